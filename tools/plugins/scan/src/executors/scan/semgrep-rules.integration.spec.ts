import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@customercare/nx-core/testing';

/**
 * The repository's semgrep rules against their annotated test files (security/semgrep/*.py,
 * *.tsx): `semgrep --test` fails when a `ruleid:` line is missed or an `ok:` line is flagged,
 * so every rule is shown to catch what it claims and to leave the safe variant alone.
 */
describe('security/semgrep rules (real semgrep --test)', () => {
  it('flag every seeded violation and no safe variant', () => {
    const result = spawnSync(
      join(WORKSPACE_ROOT, '.cache', 'bin', 'semgrep'),
      ['--test', '--metrics=off', '--disable-version-check', join(WORKSPACE_ROOT, 'security', 'semgrep')],
      {
        cwd: WORKSPACE_ROOT,
        encoding: 'utf8',
        env: { ...process.env, SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off' },
      },
    );
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.error) throw new Error(`semgrep did not start (${result.error.message}): run \`npm run setup\``);
    expect(output).toMatch(/(\d+)\/\1: ✓ All tests passed/);
    expect(result.status).toBe(0);
  });
});

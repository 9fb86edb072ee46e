import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GateResult } from '../gates/types';
import { WORKSPACE_ROOT } from '../testing/python-workspace';

/** tools/scripts/gates-summary.mjs, the table `npm run pipeline` ends with, run as the pipeline runs it. */
const SCRIPT = join(WORKSPACE_ROOT, 'tools/scripts/gates-summary.mjs');

const pass = (project: string, gate: string, measured: number | string, threshold: number | string, report: string): GateResult => ({ project, gate, measured, threshold, passed: true, report });

describe('gates-summary.mjs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gates-summary-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (path: string, content: unknown) => {
    mkdirSync(dirname(join(dir, 'reports', path)), { recursive: true });
    writeFileSync(join(dir, 'reports', path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const run = (env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [SCRIPT, '--reports', join(dir, 'reports')], { encoding: 'utf8', env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env } });

  it('prints one table of every gate and exits 1 when one failed, with its reason', () => {
    write('apps/backend/test/gate-results.json', [pass('backend', 'coverage', 91.5, 80, 'reports/apps/backend/test/coverage.xml')]);
    write('apps/backend/scan/gate-results.json', [
      { ...pass('backend', 'security-grade', 'D', 'A', 'reports/apps/backend/scan/scan.md'), passed: false, reason: '1 high: high bandit B602 at apps/backend/src/run.py:5' },
    ]);
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/Quality gates \(1\/2 passed\)/);
    expect(result.stdout).toMatch(/Project\s+Gate\s+Measured\s+Threshold\s+Result\s+Report/);
    expect(result.stdout).toMatch(/backend\s+coverage\s+91\.5\s+80\s+pass\s+reports\/apps\/backend\/test\/coverage\.xml/);
    expect(result.stdout).toMatch(/backend\s+security-grade\s+D\s+A\s+FAIL\s+reports\/apps\/backend\/scan\/scan\.md/);
    expect(result.stdout).toMatch(/- backend security-grade: 1 high: high bandit B602 at apps\/backend\/src\/run\.py:5/);
  });

  it('exits 0 when every gate passed, and writes the same table as Markdown to GITHUB_STEP_SUMMARY', () => {
    write('libs/kit/test/gate-results.json', [pass('service-kit', 'coverage', 100, 80, 'reports/libs/kit/test/coverage.xml')]);
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const result = run({ GITHUB_STEP_SUMMARY: summary });
    expect(result.status).toBe(0);
    expect(readFileSync(summary, 'utf8')).toBe(
      [
        '# earlier step',
        '## Quality gates: all passed (1/1)',
        '',
        '| Project | Gate | Measured | Threshold | Result | Report |',
        '| --- | --- | --- | --- | --- | --- |',
        '| service-kit | coverage | 100 | 80 | ✅ pass | `reports/libs/kit/test/coverage.xml` |',
        '',
        '',
      ].join('\n'),
    );
  });

  it('fails when nothing was measured, instead of passing an empty table', () => {
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no gate results under .*reports\/ .*Run the gate targets first/);
  });

  it('fails on a malformed results file, naming it', () => {
    write('apps/backend/test/gate-results.json', [pass('backend', 'coverage', 91.5, 80, 'r')]);
    write('apps/broken/scan/gate-results.json', '{ not json');
    write('apps/partial/scan/gate-results.json', [{ project: 'partial', gate: 'x' }]);
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/apps\/broken\/scan\/gate-results\.json: not valid JSON/);
    expect(result.stderr).toMatch(/apps\/partial\/scan\/gate-results\.json\[0\]: missing threshold, passed, report/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '@customercare/nx-core';
import { applySuppressions, loadSuppressions, SuppressionsError } from './suppressions';

const finding = (over: Partial<Finding> = {}): Finding => ({
  tool: 'bandit',
  ruleId: 'B101',
  severity: 'low',
  message: 'assert',
  file: 'apps/backend/tests/test_x.py',
  line: 3,
  fingerprint: '0'.repeat(32),
  ...over,
});

describe('suppressions file', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'suppressions-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (text: string) => writeFileSync(join(root, 's.yaml'), text);

  it('names a missing file and the gates.json setting that points at it', () => {
    expect(() => loadSuppressions(root, 's.yaml')).toThrow(
      /No suppressions file at s\.yaml \(named by security\.suppressions in gates\.json\)/,
    );
  });

  it('refuses an entry without a reason or with a malformed expiry', () => {
    write('suppressions:\n  - tool: bandit\n    ruleId: B101\n    expires: 31-12-2027\n');
    expect(() => loadSuppressions(root, 's.yaml')).toThrow(SuppressionsError);
    expect(() => loadSuppressions(root, 's.yaml')).toThrow(
      /\/suppressions\/0 must have required property 'reason'[\s\S]*\/suppressions\/0\/expires must match pattern/,
    );
  });

  it('refuses a date that does not exist', () => {
    write(
      'suppressions:\n  - tool: bandit\n    ruleId: B101\n    reason: "tests use assert on purpose"\n    expires: "2027-02-31"\n',
    );
    expect(() => loadSuppressions(root, 's.yaml')).toThrow(/expires "2027-02-31" is not a real date/);
  });

  it('reads an empty list', () => {
    write('suppressions: []\n');
    expect(loadSuppressions(root, 's.yaml')).toEqual([]);
  });
});

describe('applySuppressions', () => {
  const today = new Date('2026-06-01T12:00:00Z');
  const entry = {
    tool: 'bandit',
    ruleId: 'B101',
    path: 'apps/backend/tests/**',
    reason: 'pytest uses assert',
    expires: '2026-12-31',
  };

  it('marks matching findings with the reason, leaving others alone', () => {
    const other = finding({ file: 'apps/backend/src/app.py' });
    const { findings, expired } = applySuppressions([finding(), other], [entry], today);
    expect(findings[0].suppressed).toEqual({ reason: 'pytest uses assert', expires: '2026-12-31' });
    expect(findings[1].suppressed).toBeUndefined();
    expect(expired).toEqual([]);
  });

  it('stops applying an entry after its expiry date and reports it', () => {
    const old = { ...entry, expires: '2026-05-31' };
    const { findings, expired } = applySuppressions([finding()], [old], today);
    expect(findings[0].suppressed).toBeUndefined();
    expect(expired).toEqual([old]);
  });

  it('narrows to one finding by fingerprint', () => {
    const { findings } = applySuppressions(
      [finding(), finding({ fingerprint: 'f'.repeat(32) })],
      [{ ...entry, fingerprint: 'f'.repeat(32) }],
      today,
    );
    expect(findings.map((f) => Boolean(f.suppressed))).toEqual([false, true]);
  });
});

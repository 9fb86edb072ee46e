import type { Finding } from '@customercare/nx-core';
import { summarizeRuns } from './report';
import type { ScannerRun } from './run-scanners';

const finding = (over: Partial<Finding>): Finding => ({
  tool: 'bandit',
  ruleId: 'B101',
  severity: 'high',
  message: 'assert',
  file: 'apps/backend/src/x.py',
  line: 3,
  fingerprint: 'a'.repeat(32),
  ...over,
});

const run = (over: Partial<ScannerRun>): ScannerRun => ({
  scanner: 'bandit',
  category: 'static analysis',
  status: 'ran',
  findings: [],
  durationMs: 10,
  ...over,
});

describe('summarizeRuns (the one summary scan and dast report through)', () => {
  const suppression = {
    tool: 'bandit',
    ruleId: 'B101',
    path: 'apps/backend/tests/**',
    reason: 'tests assert',
    expires: '2027-01-01',
  };
  const runs = () => [
    run({
      findings: [
        finding({ file: 'apps/backend/tests/test_x.py', fingerprint: 'b'.repeat(32) }),
        finding({ severity: 'medium', ruleId: 'B105' }),
      ],
    }),
    run({ scanner: 'semgrep', status: 'not-run', reason: 'no rules' }),
  ];

  it('marks suppressed findings in their own run too, grades what is left, and names the required scanners', () => {
    const input = runs();
    const summary = summarizeRuns(
      'backend',
      input,
      [suppression],
      { grade: 'B', requiredScanners: ['bandit'] },
      new Date('2026-12-03'),
    );
    expect(summary.suppressed).toBe(1);
    expect(input[0].findings.filter((f) => f.suppressed)).toHaveLength(1);
    // The suppressed high finding does not count; the medium one does.
    expect(summary.counts).toMatchObject({ high: 0, medium: 1 });
    expect(summary.grade).not.toBe('A');
    expect(summary.threshold).toBe('B');
    expect(summary.scanners.map((s) => [s.scanner, s.findings, s.required])).toEqual([
      ['bandit', 2, true],
      ['semgrep', 0, false],
    ]);
    expect(summary.expiredSuppressions).toEqual([]);
  });

  it('lists an expired suppression and counts its findings again', () => {
    const summary = summarizeRuns(
      'backend',
      runs(),
      [suppression],
      { grade: 'B', requiredScanners: [] },
      new Date('2027-02-01'),
    );
    expect(summary.suppressed).toBe(0);
    expect(summary.counts).toMatchObject({ high: 1, medium: 1 });
    expect(summary.expiredSuppressions).toEqual([suppression]);
  });
});

import { dastGateResults, dastGates } from './gates';
import type { ProjectGates, ScanSummary } from './shared';

const projectGates = (dast?: ProjectGates['dast']): ProjectGates =>
  ({
    coverage: { min: 80 },
    security: { grade: 'A' },
    perf: {} as ProjectGates['perf'],
    dast,
  }) as ProjectGates;

function summary(
  grade: ScanSummary['grade'],
  scanners: Array<{
    scanner: 'schemathesis' | 'wapiti' | 'sqlmap' | 'zap';
    status: 'ran' | 'not-run';
    required: boolean;
  }>,
  findings: ScanSummary['findings'] = [],
): ScanSummary {
  return {
    project: 'api',
    grade,
    threshold: 'A',
    counts: { critical: findings.length, high: 0, medium: 0, low: 0, info: 0 },
    suppressed: 0,
    scanners: scanners.map((s) => ({
      ...s,
      category: 'dynamic',
      findings: 0,
      durationMs: 1,
      reason: s.status === 'ran' ? undefined : 'tool missing',
    })),
    expiredSuppressions: [],
    findings,
  };
}

describe('dast gates', () => {
  it('defaults to grade A with the three scanners setup installs required; gates.json overrides', () => {
    expect(dastGates(projectGates())).toEqual({ grade: 'A', requiredScanners: ['schemathesis', 'wapiti', 'sqlmap'] });
    expect(dastGates(projectGates({ grade: 'B' }))).toEqual({
      grade: 'B',
      requiredScanners: ['schemathesis', 'wapiti', 'sqlmap'],
    });
  });

  it('passes a clean run, and fails the grade on a seeded critical finding', () => {
    const clean = dastGateResults(
      summary('A', [{ scanner: 'sqlmap', status: 'ran', required: true }]),
      projectGates(),
      'r.md',
    );
    expect(clean.map((g) => [g.gate, g.measured, g.passed])).toEqual([
      ['dast-grade', 'A', true],
      ['dast-required-scanners', '1/1 ran', true],
    ]);
    const seeded = dastGateResults(
      summary(
        'F',
        [{ scanner: 'sqlmap', status: 'ran', required: true }],
        [
          {
            tool: 'sqlmap',
            ruleId: 'sql-injection',
            severity: 'critical',
            message: 'SQL injection',
            file: 'GET /items',
            line: 1,
            fingerprint: '0'.repeat(32),
          },
        ],
      ),
      projectGates(),
      'r.md',
    );
    expect(seeded[0]).toMatchObject({
      gate: 'dast-grade',
      measured: 'F',
      passed: false,
      reason: '1 critical: critical sqlmap sql-injection at GET /items:1',
    });
  });

  it('fails when a required scanner did not run, and names it', () => {
    const [, scanners] = dastGateResults(
      summary('A', [
        { scanner: 'wapiti', status: 'not-run', required: true },
        { scanner: 'zap', status: 'not-run', required: false },
      ]),
      projectGates(),
      'r.md',
    );
    expect(scanners).toMatchObject({
      gate: 'dast-required-scanners',
      measured: '0/1 ran',
      passed: false,
      reason: 'wapiti not run: tool missing',
    });
  });
});

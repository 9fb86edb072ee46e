import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GateResult, SecurityGates, SecurityGrade } from '@customercare/nx-core';
import { htmlPage } from '@customercare/nx-core';
import { writeJUnit } from '@customercare/nx-core';
import { markdownTable } from '@customercare/nx-core';
import { toSarif } from '@customercare/nx-core';
import { countBySeverity, SEVERITIES, sortFindings, type Finding, type Severity } from '@customercare/nx-core';
import { gradeOf, meetsGrade } from './grade';
import type { ScannerRun } from './run-scanners';
import { applySuppressions, type Suppression } from './suppressions';

/** A scanner's status as the reports say it: "ran", or "incomplete", "not run" or "FAILED" with the reason. */
export function statusText(run: { status: string; reason?: string }): string {
  if (run.status === 'ran') return 'ran';
  const word = { incomplete: 'incomplete', 'not-run': 'not run', failed: 'FAILED' }[run.status] ?? run.status;
  return `${word}: ${run.reason}`;
}

/** The files a scan writes, relative to its reports directory. */
export const SCAN_REPORTS = {
  sarif: 'scan.sarif',
  json: 'scan.json',
  markdown: 'scan.md',
  html: 'scan.html',
  junit: 'junit.xml',
} as const;

const INFORMATION_URI: Record<string, string> = {
  bandit: 'https://bandit.readthedocs.io',
  semgrep: 'https://semgrep.dev',
  'eslint-security': 'https://github.com/eslint-community/eslint-plugin-security',
  gitleaks: 'https://github.com/gitleaks/gitleaks',
  'pip-audit': 'https://github.com/pypa/pip-audit',
  'npm-audit': 'https://docs.npmjs.com/cli/commands/npm-audit',
  'osv-scanner': 'https://google.github.io/osv-scanner/',
  trivy: 'https://trivy.dev',
  zizmor: 'https://docs.zizmor.sh',
};

export interface ScanSummary {
  project: string;
  grade: SecurityGrade;
  threshold: SecurityGrade;
  counts: Record<Severity, number>;
  suppressed: number;
  scanners: Array<Omit<ScannerRun, 'findings'> & { findings: number; required: boolean }>;
  expiredSuppressions: Suppression[];
  findings: Finding[];
}

/**
 * One summary of a security run (scan or dast): the suppressions applied to every scanner's findings
 * (each run keeps its own findings, marked), the grade and counts over all of them, and which
 * scanners were required. Expired suppressions are listed, so the caller can warn about them.
 */
export function summarizeRuns(
  project: string,
  runs: ScannerRun[],
  suppressions: readonly Suppression[],
  gates: { grade: SecurityGrade; requiredScanners: readonly string[] },
  today = new Date(),
): ScanSummary {
  const { findings, expired } = applySuppressions(
    runs.flatMap((run) => run.findings),
    suppressions,
    today,
  );
  const byFingerprint = new Map(findings.map((f) => [`${f.tool}\u0000${f.fingerprint}`, f]));
  for (const run of runs)
    run.findings = run.findings.map((f) => byFingerprint.get(`${f.tool}\u0000${f.fingerprint}`) ?? f);
  const counts = countBySeverity(findings);
  const required = new Set<string>(gates.requiredScanners);
  return {
    project,
    grade: gradeOf(counts),
    threshold: gates.grade,
    counts,
    suppressed: findings.filter((f) => f.suppressed).length,
    scanners: runs.map((run) => ({ ...run, findings: run.findings.length, required: required.has(run.scanner) })),
    expiredSuppressions: expired,
    findings: sortFindings(findings),
  };
}

/** The scan's two gates: the grade, and "every required scanner ran". */
export function scanGateResults(
  summary: ScanSummary,
  gates: Required<SecurityGates>,
  reportPath: string,
): GateResult[] {
  const unsuppressed = summary.findings.filter((f) => !f.suppressed);
  const grading = unsuppressed.filter(
    (f) => f.severity === 'critical' || f.severity === 'high' || f.severity === 'medium',
  );
  const worst = grading.slice(0, 3).map((f) => `${f.severity} ${f.tool} ${f.ruleId} at ${f.file}:${f.line}`);
  const counted = SEVERITIES.filter((s) => summary.counts[s] > 0).map((s) => `${summary.counts[s]} ${s}`);
  const gradePassed = meetsGrade(summary.grade, gates.grade);
  const grade: GateResult = {
    project: summary.project,
    gate: 'security-grade',
    measured: summary.grade,
    threshold: gates.grade,
    passed: gradePassed,
    report: reportPath,
  };
  if (!gradePassed) grade.reason = `${counted.join(', ')}: ${worst.join('; ')}${grading.length > 3 ? '; ...' : ''}`;

  const required = summary.scanners.filter((s) => s.required);
  const missing = required.filter((s) => s.status !== 'ran');
  const scanners: GateResult = {
    project: summary.project,
    gate: 'required-scanners',
    measured: `${required.length - missing.length}/${required.length} ran`,
    threshold: `${required.length}/${required.length}`,
    passed: missing.length === 0,
    report: reportPath,
  };
  if (missing.length) scanners.reason = missing.map((s) => `${s.scanner} ${statusText(s)}`).join('; ');
  return [grade, scanners];
}

function markdown(summary: ScanSummary, gates: GateResult[]): string {
  const scannerRows = summary.scanners.map((s) => [
    s.scanner,
    s.category,
    statusText(s),
    s.required ? 'yes' : 'no',
    s.findings,
    s.summary ?? '',
    `${(s.durationMs / 1000).toFixed(1)} s`,
  ]);
  const findingRows = summary.findings.map((f) => [
    f.severity,
    f.tool,
    f.ruleId,
    `${f.file}:${f.line}`,
    f.message,
    f.suppressed ? `suppressed until ${f.suppressed.expires}: ${f.suppressed.reason}` : '',
  ]);
  return [
    `# Security scan: ${summary.project}`,
    '',
    `Grade **${summary.grade}** (gate: ${summary.threshold} or better). Unsuppressed findings: ${SEVERITIES.map((s) => `${summary.counts[s]} ${s}`).join(', ')}; suppressed: ${summary.suppressed}.`,
    '',
    markdownTable(
      ['Gate', 'Measured', 'Threshold', 'Result', 'Reason'],
      gates.map((g) => [g.gate, g.measured, g.threshold, g.passed ? 'pass' : 'FAIL', g.reason ?? '']),
    ),
    '',
    '## Scanners',
    '',
    markdownTable(['Scanner', 'Checks', 'Status', 'Required', 'Findings', 'Summary', 'Time'], scannerRows),
    '',
    '## Findings',
    '',
    findingRows.length
      ? markdownTable(['Severity', 'Tool', 'Rule', 'Location', 'Message', 'Suppression'], findingRows)
      : 'None.',
    ...(summary.expiredSuppressions.length
      ? [
          '',
          '## Expired suppressions (no longer applied)',
          '',
          ...summary.expiredSuppressions.map(
            (s) => `- ${s.tool} ${s.ruleId} ${s.path ?? ''} expired ${s.expires}: ${s.reason}`,
          ),
        ]
      : []),
    '',
  ].join('\n');
}

function html(summary: ScanSummary, gates: GateResult[]): string {
  return htmlPage(`Security scan: ${summary.project} - grade ${summary.grade}`, [
    {
      heading: 'Gates',
      text: [
        `Unsuppressed findings: ${SEVERITIES.map((s) => `${summary.counts[s]} ${s}`).join(', ')}; suppressed: ${summary.suppressed}.`,
      ],
      table: {
        headers: ['Gate', 'Measured', 'Threshold', 'Result', 'Reason'],
        rows: gates.map((g) => [g.gate, g.measured, g.threshold, g.passed ? 'pass' : 'FAIL', g.reason ?? '']),
        rowClass: (row) => (row[3] === 'FAIL' ? 'fail' : undefined),
      },
    },
    {
      heading: 'Scanners',
      table: {
        headers: ['Scanner', 'Checks', 'Status', 'Required', 'Findings', 'Summary'],
        rows: summary.scanners.map((s) => [
          s.scanner,
          s.category,
          statusText(s),
          s.required ? 'yes' : 'no',
          s.findings,
          s.summary ?? '',
        ]),
        rowClass: (row) => (String(row[2]).startsWith('ran') ? undefined : 'not-run'),
      },
    },
    {
      heading: 'Findings',
      text: summary.findings.length ? [] : ['None.'],
      table: summary.findings.length
        ? {
            headers: ['Severity', 'Tool', 'Rule', 'Location', 'Message', 'Suppression'],
            rows: summary.findings.map((f) => [
              f.severity,
              f.tool,
              f.ruleId,
              `${f.file}:${f.line}`,
              f.message,
              f.suppressed ? `until ${f.suppressed.expires}: ${f.suppressed.reason}` : '',
            ]),
            rowClass: (row) => (row[5] ? 'suppressed' : String(row[0])),
          }
        : undefined,
    },
  ]);
}

/** Writes every report of a scan into `directory` (absolute): SARIF, JSON, Markdown, HTML and JUnit. */
export function writeScanReports(
  directory: string,
  summary: ScanSummary,
  runs: readonly ScannerRun[],
  gates: GateResult[],
): void {
  const sarif = toSarif(
    summary.project,
    runs.map((run) => ({
      tool: run.scanner,
      informationUri: INFORMATION_URI[run.scanner],
      notRun: run.status === 'ran' ? undefined : run.reason,
      findings: sortFindings(run.findings),
    })),
  );
  writeFileSync(join(directory, SCAN_REPORTS.sarif), `${JSON.stringify(sarif, null, 2)}\n`);
  writeFileSync(join(directory, SCAN_REPORTS.json), `${JSON.stringify({ ...summary, gates }, null, 2)}\n`);
  writeFileSync(join(directory, SCAN_REPORTS.markdown), markdown(summary, gates));
  writeFileSync(join(directory, SCAN_REPORTS.html), html(summary, gates));
  writeJUnit(
    join(directory, SCAN_REPORTS.junit),
    `scan ${summary.project}`,
    runs.map((run) => {
      const counts = countBySeverity(run.findings);
      const grading = counts.critical + counts.high + counts.medium;
      return {
        className: `scan.${summary.project}`,
        name: run.scanner,
        timeSeconds: run.durationMs / 1000,
        skipped: run.status === 'ran' || run.status === 'failed' ? undefined : statusText(run),
        failure:
          run.status === 'failed'
            ? statusText(run)
            : run.status === 'ran' && grading > 0
              ? `${grading} finding(s) that lower the grade: ${SEVERITIES.filter((s) => counts[s])
                  .map((s) => `${counts[s]} ${s}`)
                  .join(', ')}`
              : undefined,
      };
    }),
  );
}

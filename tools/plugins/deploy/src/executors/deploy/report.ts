import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import { writeGateResults } from '@customercare/nx-core';
import type { DeployReport } from './machine';

export const DEPLOY_REPORT = { json: 'deploy-report.json', markdown: 'deploy-report.md' } as const;

const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${(v * 100).toFixed(2)}%`);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${v.toFixed(1)} ms`);

/** What happened, for people: phases, probes, every analysis verdict, and the rollback, in Markdown. */
export function renderMarkdown(report: DeployReport): string {
  const lines = [
    `# ${report.kind === 'deploy' ? 'Deploy' : 'Rollback'} of ${report.project} ${report.version} to ${report.environment}: ${report.outcome}`,
    '',
    `Provider: ${report.provider}. Stable before: ${report.stable ? `${report.stable.version} (${report.stable.id})` : 'none'}. ` +
      `Candidate: ${report.candidate ? `${report.candidate.version} (${report.candidate.id})` : 'none'}.`,
  ];
  if (report.failure) lines.push('', `**Failed in ${report.failure.phase}:** ${report.failure.reason}`);
  if (report.rollback) {
    const seconds = (Date.parse(report.rollback.completedAt) - Date.parse(report.rollback.failureSeenAt)) / 1000;
    lines.push(
      '',
      `**Rollback:** ${report.rollback.detail} (${seconds.toFixed(2)} s from the failure to all traffic back).`,
    );
  }
  const restore = report.data?.restore;
  // The confirmation that a rollback put the data back (or why it did not), with what was lost.
  if (restore) lines.push('', `**Data:** ${restore.status}: ${restore.detail}.`);
  if (report.data?.schema) lines.push('', `Schema after promote: ${report.data.schema}.`);
  lines.push('', '| Phase | Status | Duration | Detail |', '|---|---|---|---|');
  for (const p of report.phases)
    lines.push(
      `| ${p.phase} | ${p.status} | ${p.durationMs} ms | ${(p.detail ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    );
  if (report.probes.length) {
    lines.push('', '| Check | URL | Result |', '|---|---|---|');
    for (const p of report.probes)
      lines.push(`| ${p.check} | ${p.url} | ${p.passed ? 'pass' : 'FAIL'}: ${p.detail.replace(/\|/g, '\\|')} |`);
  }
  for (const a of report.analyses) {
    lines.push(
      '',
      `## Analysis at ${a.weight}% (step ${a.step})`,
      '',
      '| At | Verdict | Requests | Error ratio | p95 | Stable error ratio | Stable p95 | Why |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const v of a.verdicts) {
      lines.push(
        `| ${v.at} | ${v.status} | ${v.candidate.requests ?? 0} | ${pct(v.candidate.errorRatio)} | ${ms(v.candidate.p95Ms)} | ${pct(v.stable?.errorRatio)} | ${ms(v.stable?.p95Ms)} | ${v.reasons.join('; ')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The deploy's gate: did the release ship (or did the rollback restore a healthy release)? */
export function gateResultsOf(report: DeployReport, reportPath: string): GateResult[] {
  const last = report.analyses.at(-1)?.verdicts.at(-1);
  const results: GateResult[] = [
    {
      project: report.project,
      gate: report.kind === 'deploy' ? `deploy:${report.environment}` : `rollback:${report.environment}`,
      measured: report.outcome,
      threshold: report.kind === 'deploy' ? 'promoted' : 'rolled-back',
      passed: report.kind === 'deploy' ? report.outcome === 'promoted' : report.outcome === 'rolled-back',
      report: reportPath,
      reason: report.failure ? `${report.failure.phase}: ${report.failure.reason}` : undefined,
    },
  ];
  const restore = report.data?.restore;
  if (restore) {
    results.push({
      project: report.project,
      gate: `data:${report.environment}`,
      measured: restore.status,
      threshold: 'restored or unchanged',
      passed: restore.status !== 'failed',
      report: reportPath,
      reason: restore.detail,
    });
  }
  if (last) {
    results.push({
      project: report.project,
      gate: `canary:${report.environment}`,
      measured: last.candidate.errorRatio === null ? null : Number(last.candidate.errorRatio.toFixed(4)),
      threshold: last.thresholds.errorRate,
      passed: last.status === 'pass',
      report: reportPath,
      reason: last.reasons.join('; ') || undefined,
    });
  }
  return results;
}

/** Writes the JSON and Markdown reports and the gate results; returns the JSON report's path. */
export function writeDeployReport(workspaceRoot: string, reportsDirectory: string, report: DeployReport): string {
  const dir = join(workspaceRoot, reportsDirectory);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DEPLOY_REPORT.json), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, DEPLOY_REPORT.markdown), renderMarkdown(report));
  const relative = join(reportsDirectory, DEPLOY_REPORT.json);
  writeGateResults(dir, gateResultsOf(report, relative));
  return relative;
}

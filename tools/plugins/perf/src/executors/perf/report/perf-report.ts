import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import type { PerfSummary } from '../recorder';
import type { Phase } from '../scenario';

export const PERF_REPORTS = { json: 'perf.json', html: 'perf.html', serviceLog: 'service.log' } as const;

/** The machine-readable report: what ran, against what, and every number the gates and charts use. */
export interface PerfReport extends PerfSummary {
  version: 1;
  project: string;
  scenario: string;
  profile: string;
  engine: { name: string; version: string };
  target: string;
  startedAt: string;
  phasesPlan: Phase[];
  gates: GateResult[];
}

export function writeJsonReport(path: string, report: PerfReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

const ms = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/** The one line a run prints: load, latency, errors, and where the report is. */
export function summaryLine(report: PerfReport, htmlPath: string): string {
  const t = report.totals;
  return (
    `perf ${report.project} (${report.profile}, ${report.engine.name}): ${t.count} requests in ${report.durationS}s, ` +
    `${t.throughputRps} req/s (offered ${report.offeredRps}), p50 ${ms(t.p50Ms)}, p95 ${ms(t.p95Ms)}, p99 ${ms(t.p99Ms)}, ` +
    `max ${ms(t.maxMs)}, errors ${(t.errorRate * 100).toFixed(2)} % -> ${htmlPath}`
  );
}

export { ms as formatMs };

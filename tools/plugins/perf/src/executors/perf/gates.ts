import type { GateResult, ProjectGates } from '@customercare/nx-core';
import type { PerfSummary } from './recorder';

/**
 * The throughput gate cannot ask a service for more than it was offered: at 20 req/s offered,
 * 100 req/s is unreachable by design. So the threshold is the configured minimum or this share of
 * the offered rate, whichever is lower: "sustain what you were sent, up to the minimum".
 */
export const OFFERED_SHARE = 0.95;

export interface Baseline {
  p95Ms: number;
  /** Workspace-relative path of the baseline report. */
  path: string;
  /** How to accept an intended slowdown, for the failure message. */
  renew?: string;
}

export function throughputThreshold(minThroughputRps: number, offeredRps: number): number {
  return Math.round(Math.min(minThroughputRps, OFFERED_SHARE * offeredRps) * 100) / 100;
}

/** Turns a run's summary into GateResults against the project's perf gates and an optional baseline. */
export function evaluatePerfGates(
  summary: PerfSummary,
  gates: ProjectGates['perf'],
  context: { project: string; report: string; baseline?: Baseline },
): GateResult[] {
  const { project, report } = context;
  const { totals } = summary;
  const gate = (
    name: string,
    measured: number | null,
    threshold: number,
    passed: boolean,
    reason?: string,
  ): GateResult => ({
    project,
    gate: name,
    measured,
    threshold,
    passed,
    report,
    ...(reason ? { reason } : {}),
  });
  if (totals.count === 0) {
    const reason = 'no request was measured: the run was cut off before its first request (see the log above)';
    return [
      gate('perf-p95', null, gates.p95Ms, false, reason),
      gate('perf-p99', null, gates.p99Ms, false, reason),
      gate('perf-error-rate', null, gates.errorRate, false, reason),
      gate('perf-throughput', null, gates.minThroughputRps, false, reason),
    ];
  }
  const slowest = (key: 'p95Ms' | 'p99Ms') => [...summary.requests].sort((a, b) => b[key] - a[key])[0];
  const results: GateResult[] = [];

  const p95 = totals.p95Ms <= gates.p95Ms;
  results.push(
    gate(
      'perf-p95',
      totals.p95Ms,
      gates.p95Ms,
      p95,
      p95
        ? undefined
        : `p95 ${totals.p95Ms} ms is over ${gates.p95Ms} ms; slowest request: "${slowest('p95Ms').name}" at p95 ${slowest('p95Ms').p95Ms} ms`,
    ),
  );
  const p99 = totals.p99Ms <= gates.p99Ms;
  results.push(
    gate(
      'perf-p99',
      totals.p99Ms,
      gates.p99Ms,
      p99,
      p99
        ? undefined
        : `p99 ${totals.p99Ms} ms is over ${gates.p99Ms} ms; slowest request: "${slowest('p99Ms').name}" at p99 ${slowest('p99Ms').p99Ms} ms`,
    ),
  );
  const errorRate = Math.round(totals.errorRate * 10_000) / 10_000;
  const errorsOk = totals.errorRate <= gates.errorRate;
  const kinds = Object.entries(totals.errorKinds)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3)
    .map(([kind, count]) => `${kind} x${count}`)
    .join(', ');
  results.push(
    gate(
      'perf-error-rate',
      errorRate,
      gates.errorRate,
      errorsOk,
      errorsOk ? undefined : `${totals.errors} of ${totals.count} requests failed (${kinds})`,
    ),
  );
  const threshold = throughputThreshold(gates.minThroughputRps, summary.offeredRps);
  const throughputOk = totals.throughputRps >= threshold;
  const capped = threshold < gates.minThroughputRps;
  results.push(
    gate(
      'perf-throughput',
      totals.throughputRps,
      threshold,
      throughputOk,
      throughputOk
        ? capped
          ? `offered ${summary.offeredRps} req/s, below the ${gates.minThroughputRps} req/s minimum: gated at ${OFFERED_SHARE * 100} % of the offered rate`
          : undefined
        : `${totals.throughputRps} successful req/s against ${summary.offeredRps} offered${capped ? ` (threshold is ${OFFERED_SHARE * 100} % of the offered rate)` : ''}: the service fell behind or failed requests`,
    ),
  );

  if (context.baseline) {
    const { p95Ms: before, path, renew = 'record a new baseline with --updateBaseline' } = context.baseline;
    const deltaMs = totals.p95Ms - before;
    const percent = before > 0 ? Math.round((deltaMs / before) * 1000) / 10 : 0;
    const withinNoise = deltaMs <= gates.p95RegressionMinMs;
    const passed = percent <= gates.p95RegressionPercent || withinNoise;
    const reason = passed
      ? percent > gates.p95RegressionPercent
        ? `p95 rose ${percent} % (${before} -> ${totals.p95Ms} ms) but by no more than the ${gates.p95RegressionMinMs} ms noise floor`
        : undefined
      : `p95 rose ${percent} % against the baseline ${path} (${before} -> ${totals.p95Ms} ms); if the change is intended, ${renew}`;
    results.push({ ...gate('perf-p95-regression', percent, gates.p95RegressionPercent, passed, reason) });
  }
  return results;
}

import type { ProjectGates } from '@customercare/nx-core';
import { evaluatePerfGates, throughputThreshold } from './gates';
import type { LatencyStats, PerfSummary } from './recorder';

const GATES: ProjectGates['perf'] = {
  p95Ms: 500,
  p99Ms: 1000,
  errorRate: 0.01,
  minThroughputRps: 100,
  p95RegressionPercent: 25,
  p95RegressionMinMs: 5,
  baseline: 'perf/baseline.{profile}.json',
};

function stats(overrides: Partial<LatencyStats> = {}): LatencyStats {
  return {
    count: 1000,
    errors: 0,
    errorRate: 0,
    throughputRps: 50,
    p50Ms: 10,
    p90Ms: 40,
    p95Ms: 50,
    p99Ms: 90,
    maxMs: 120,
    meanMs: 15,
    statuses: { '200': 1000 },
    errorKinds: {},
    ...overrides,
  };
}

function summary(totals: Partial<LatencyStats> = {}, offeredRps = 50): PerfSummary {
  return {
    durationS: 20,
    offeredRps,
    totals: stats(totals),
    phases: [],
    requests: [{ name: 'chat', ...stats(totals) }],
    timeline: [],
    distribution: [],
  };
}

const context = { project: 'api', report: 'reports/apps/api/perf/perf.html' };
const byGate = (results: ReturnType<typeof evaluatePerfGates>) => Object.fromEntries(results.map((r) => [r.gate, r]));

describe('perf gates', () => {
  it('passes within every budget, with one result per gate pointing at the report', () => {
    const results = evaluatePerfGates(summary(), GATES, context);
    expect(results.map((r) => [r.gate, r.measured, r.threshold, r.passed])).toEqual([
      ['perf-p95', 50, 500, true],
      ['perf-p99', 90, 1000, true],
      ['perf-error-rate', 0, 0.01, true],
      ['perf-throughput', 50, 47.5, true],
    ]);
    expect(results.every((r) => r.report === context.report && r.project === 'api')).toBe(true);
  });

  it('fails p95 and p99 breaches, naming the slowest request', () => {
    const gates = byGate(evaluatePerfGates(summary({ p95Ms: 700, p99Ms: 1500 }), GATES, context));
    expect(gates['perf-p95']).toMatchObject({ passed: false, measured: 700 });
    expect(gates['perf-p95'].reason).toBe('p95 700 ms is over 500 ms; slowest request: "chat" at p95 700 ms');
    expect(gates['perf-p99']).toMatchObject({ passed: false, measured: 1500 });
  });

  it('fails an error rate over the budget, listing the commonest errors', () => {
    const gates = byGate(
      evaluatePerfGates(
        summary({ errors: 20, errorRate: 0.02, errorKinds: { 'HTTP 503': 15, timeout: 5 } }),
        GATES,
        context,
      ),
    );
    expect(gates['perf-error-rate']).toMatchObject({ passed: false, measured: 0.02, threshold: 0.01 });
    expect(gates['perf-error-rate'].reason).toBe('20 of 1000 requests failed (HTTP 503 x15, timeout x5)');
  });

  it('gates throughput at the configured minimum once the offered load reaches it', () => {
    expect(throughputThreshold(100, 50)).toBe(47.5);
    expect(throughputThreshold(100, 400)).toBe(100);
    const gates = byGate(evaluatePerfGates(summary({ throughputRps: 90 }, 400), GATES, context));
    expect(gates['perf-throughput']).toMatchObject({ passed: false, measured: 90, threshold: 100 });
  });

  it('fails a service that falls behind a lower offered load', () => {
    const gates = byGate(evaluatePerfGates(summary({ throughputRps: 30 }, 50), GATES, context));
    expect(gates['perf-throughput']).toMatchObject({ passed: false, threshold: 47.5 });
    expect(gates['perf-throughput'].reason).toMatch(/95 % of the offered rate/);
  });

  it('checks p95 against the baseline: fails past the percentage, ignores rises under the noise floor', () => {
    const baseline = { p95Ms: 40, path: 'apps/api/perf/baseline.ci.json' };
    const regressed = byGate(evaluatePerfGates(summary({ p95Ms: 60 }), GATES, { ...context, baseline }));
    expect(regressed['perf-p95-regression']).toMatchObject({ passed: false, measured: 50, threshold: 25 });
    expect(regressed['perf-p95-regression'].reason).toMatch(
      /^p95 rose 50 % against the baseline apps\/api\/perf\/baseline.ci.json \(40 -> 60 ms\)/,
    );

    const noise = byGate(
      evaluatePerfGates(summary({ p95Ms: 4 }), GATES, { ...context, baseline: { ...baseline, p95Ms: 2 } }),
    );
    expect(noise['perf-p95-regression']).toMatchObject({ passed: true, measured: 100 });
    expect(noise['perf-p95-regression'].reason).toMatch(/noise floor/);

    const better = byGate(evaluatePerfGates(summary({ p95Ms: 30 }), GATES, { ...context, baseline }));
    expect(better['perf-p95-regression']).toMatchObject({ passed: true, measured: -25 });
  });

  it('fails every gate when nothing was measured', () => {
    const results = evaluatePerfGates(summary({ count: 0 }), GATES, context);
    expect(results.every((r) => !r.passed && r.measured === null)).toBe(true);
  });
});

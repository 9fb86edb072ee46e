import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import perfExecutor from '../executor';
import { perfWorkspace } from '../testing';
import { ARTILLERY_MISSING, artillerySummary, findArtillery, type ArtilleryReport } from './artillery';

// Shaped like `artillery run --output` (Artillery 2): counters and summaries, aggregate and per 10 s.
const window = (period: number, ok: number, failed: number, p95: number): ArtilleryReport['aggregate'] => ({
  period,
  counters: {
    'http.codes.200': ok,
    'http.codes.503': failed,
    'http.requests': ok + failed,
    'vusers.created': ok + failed,
  },
  summaries: {
    'http.response_time': {
      min: 1,
      max: p95 * 2,
      count: ok + failed,
      mean: p95 / 3,
      p50: p95 / 4,
      median: p95 / 4,
      p75: p95 / 2,
      p90: p95 * 0.9,
      p95,
      p99: p95 * 1.5,
      p999: p95 * 1.9,
    },
  },
});
const REPORT: ArtilleryReport = {
  aggregate: {
    counters: {
      'http.codes.200': 290,
      'http.codes.503': 6,
      'errors.ETIMEDOUT': 4,
      'http.requests': 300,
      'vusers.created': 150,
    },
    summaries: {
      'http.response_time': {
        min: 2,
        max: 900,
        count: 296,
        mean: 40,
        p50: 20,
        median: 20,
        p75: 30,
        p90: 80,
        p95: 120,
        p99: 400,
        p999: 880,
      },
      'plugins.metrics-by-endpoint.response_time./chat': {
        min: 5,
        max: 900,
        count: 200,
        mean: 50,
        p50: 30,
        median: 30,
        p75: 40,
        p90: 100,
        p95: 150,
        p99: 420,
        p999: 890,
      },
    },
  },
  intermediate: [window(1_700_000_000_000, 95, 5, 100), window(1_700_000_010_000, 195, 1, 130)],
};

describe('artillery engine', () => {
  it("gates Artillery's own numbers: status codes and errors, percentiles, 10 s windows, endpoints", () => {
    const summary = artillerySummary(REPORT, [{ name: 'p', durationS: 20, arrivalRate: 15, rampTo: 15 }]);
    expect(summary.totals).toMatchObject({
      count: 300,
      errors: 10,
      p50Ms: 20,
      p95Ms: 120,
      p99Ms: 400,
      maxMs: 900,
      throughputRps: 14.5,
      statuses: { '200': 290, '503': 6, none: 4 },
    });
    expect(summary.totals.errorRate).toBeCloseTo(10 / 300);
    expect(summary.totals.errorKinds).toEqual({ 'HTTP 503': 6, ETIMEDOUT: 4 });
    // 15 users per second, two requests each.
    expect(summary.offeredRps).toBe(30);
    expect(summary.timeline.map((p) => [p.second, p.count, p.errors, p.p95Ms])).toEqual([
      [0, 100, 5, 100],
      [10, 196, 1, 130],
    ]);
    expect(summary.requests.map((r) => [r.name, r.count, r.p95Ms])).toEqual([['/chat', 200, 150]]);
    expect(summary.distribution.at(-1)).toEqual({ percentile: 100, valueMs: 900 });
  });

  (findArtillery() ? it.skip : it)(
    'reports "not run" (and fails) when Artillery is not installed, starting nothing',
    async () => {
      const ws = perfWorkspace();
      try {
        // A seed-format file: multi-step flows and think times are fine, Artillery runs them.
        writeFileSync(
          join(ws.root, 'svc', 'perf', 'load.yml'),
          'config:\n  target: http://127.0.0.1:9\n  phases: [{ duration: 1, arrivalRate: 5 }]\nscenarios:\n  - flow: [{ get: { url: / } }, { think: 1 }, { get: { url: /x } }]\n',
        );
        await expect(perfExecutor({ engine: 'artillery', profile: 'load' }, ws.context)).resolves.toEqual({
          success: false,
        });
        const results = ws.readGateResults();
        expect(results.map((r) => [r.gate, r.passed, r.measured])).toEqual([
          ['perf-p95', false, null],
          ['perf-p99', false, null],
          ['perf-error-rate', false, null],
          ['perf-throughput', false, null],
        ]);
        expect(results[0].reason).toBe(ARTILLERY_MISSING);
        expect(ARTILLERY_MISSING).toMatch(/^not run: artillery is not installed/);
      } finally {
        rmSync(ws.root, { recursive: true, force: true });
      }
    },
  );
});

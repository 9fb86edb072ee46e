import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import perfExecutor from '../executor';
import type { Sample } from '../recorder';
import { parseScenario } from '../scenario';
import { perfWorkspace } from '../testing';
import { findK6, k6Script, k6Stages, readK6Output } from './k6';

const scenario = {
  ...parseScenario(
    {
      config: {
        target: 'http://127.0.0.1:9/',
        phases: [{ duration: 2, arrivalRate: 5, rampTo: 10 }, { pause: 1 }, { duration: 1, arrivalRate: 20 }],
        variables: { q: ['x'] },
      },
      scenarios: [{ name: 'search', flow: [{ get: { url: '/s?q={{ q }}', expect: [{ statusCode: 200 }] } }] }],
    },
    'perf/load.yml',
    'load',
  ),
  target: 'http://127.0.0.1:9/',
};

describe('k6 engine', () => {
  it('expresses phases as ramping-arrival-rate stages: a 0 s jump to each start rate, then the ramp', () => {
    expect(k6Stages(scenario.phases)).toEqual([
      { duration: '0s', target: 5 },
      { duration: '2000ms', target: 10 },
      { duration: '0s', target: 0 },
      { duration: '1000ms', target: 0 },
      { duration: '0s', target: 20 },
      { duration: '1000ms', target: 20 },
    ]);
  });

  it('writes a script with the open-model executor, the requests and the phase bounds', () => {
    const script = k6Script(scenario, scenario.phases);
    expect(script).toContain('"executor": "ramping-arrival-rate"');
    expect(script).toContain('"maxVUs": 200');
    expect(script).toContain('const TARGET = "http://127.0.0.1:9";');
    expect(script).toContain('const BOUNDS = [0,2000,3000,4000];');
    expect(script).toContain('"url":"/s?q={{ q }}"');
  });

  it('turns k6 JSON points into samples; dropped iterations and failed requests count as failures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k6-output-'));
    const file = join(dir, 'out.ndjson');
    const point = (metric: string, time: string, value: number, tags: Record<string, string> = {}) =>
      JSON.stringify({ metric, type: 'Point', data: { time, value, tags } });
    writeFileSync(
      file,
      [
        JSON.stringify({ type: 'Metric', data: { name: 'http_req_duration' }, metric: 'http_req_duration' }),
        point('http_req_duration', '2026-01-01T00:00:00.010Z', 10, {
          name: 'search',
          status: '200',
          phase: '0',
          second: '0',
        }),
        point('http_req_duration', '2026-01-01T00:00:03.500Z', 30, {
          name: 'search',
          status: '500',
          phase: '2',
          second: '3',
        }),
        point('http_req_duration', '2026-01-01T00:00:03.600Z', 5, {
          name: 'search',
          status: '0',
          phase: '2',
          second: '3',
          error_code: '1211',
        }),
        point('http_reqs', '2026-01-01T00:00:00.010Z', 1, { name: 'search' }),
        point('dropped_iterations', '2026-01-01T00:00:03.000Z', 2),
      ].join('\n'),
    );
    const samples: Sample[] = [];
    await readK6Output(file, scenario, scenario.phases, (s) => samples.push(s));
    rmSync(dir, { recursive: true, force: true });
    expect(samples.map((s) => [s.name, s.phase, s.status, s.ok, s.error])).toEqual([
      ['search', 0, 200, true, undefined],
      ['search', 2, 500, false, undefined],
      ['search', 2, 0, false, 'k6 error 1211'],
      ['dropped', 2, 0, false, 'dropped: k6 had no free VU'],
      ['dropped', 2, 0, false, 'dropped: k6 had no free VU'],
    ]);
    expect(samples[3]).toMatchObject({ atMs: 3000, latencyMs: 10_000 });
  });

  // A real k6 run: k6 is installed by setup (tools/toolchain.json): a missing k6 fails this test with the fix, never skips it.
  it('runs the same scenario with k6 and gates it like the built-in engine', async () => {
    const found = findK6();
    if ('missing' in found) throw new Error(found.missing);
    const ws = perfWorkspace();
    try {
      await expect(perfExecutor({ engine: 'k6' }, ws.context)).resolves.toEqual({ success: true });
      const report = JSON.parse(readFileSync(join(ws.reports, 'perf.json'), 'utf8'));
      expect(report.engine.name).toBe('k6');
      expect(report.engine.version).toMatch(/^k6 v/);
      // k6 rounds arrivals at stage edges; the schedule asks for 90.
      expect(report.totals.count).toBeGreaterThanOrEqual(85);
      expect(report.totals.count).toBeLessThanOrEqual(91);
      expect(report.requests.map((r: { name: string }) => r.name)).toEqual(['read', 'write']);
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });
});

import { Recorder, type Sample } from './recorder';
import type { Phase } from './scenario';

const phases: Phase[] = [
  { name: 'warm', durationS: 2, arrivalRate: 10, rampTo: 10 },
  { name: 'peak', durationS: 2, arrivalRate: 20, rampTo: 20 },
];

const sample = (overrides: Partial<Sample>): Sample => ({
  atMs: 0,
  latencyMs: 1,
  name: 'read',
  phase: 0,
  status: 200,
  ok: true,
  ...overrides,
});

describe('Recorder', () => {
  let recorder: Recorder;
  afterEach(() => recorder.destroy());

  it('derives the run, each phase and each request name from one cell per phase and name', () => {
    recorder = new Recorder(phases);
    // Phase 0: 100 reads at 1..100 ms. Phase 1: 100 writes at 101..200 ms, of which 10 failed with
    // HTTP 503 and 5 had no response.
    for (let i = 1; i <= 100; i++) recorder.record(sample({ atMs: i * 10, latencyMs: i }));
    for (let i = 1; i <= 100; i++) {
      const status = i <= 10 ? 503 : i <= 15 ? 0 : 201;
      recorder.record(
        sample({
          atMs: 2000 + i * 10,
          latencyMs: 100 + i,
          name: 'write',
          phase: 1,
          status,
          ok: status === 201,
          error: status === 0 ? 'ECONNRESET' : undefined,
        }),
      );
    }
    expect(recorder.count).toBe(200);
    const summary = recorder.summary();

    // HDR histograms with 3 significant digits: a percentile is within 0.1 % of the exact value.
    const close = (expected: number) => expect.closeTo(expected, 0);
    expect(summary.totals).toMatchObject({
      count: 200,
      errors: 15,
      errorRate: 0.075,
      p50Ms: close(100),
      p99Ms: close(198),
      maxMs: close(200),
    });
    expect(summary.totals.statuses).toEqual({ none: 5, '200': 100, '201': 85, '503': 10 });
    expect(summary.totals.errorKinds).toEqual({ 'HTTP 503': 10, ECONNRESET: 5 });
    // 185 successful requests over the 4 s the profile offered load.
    expect(summary.totals.throughputRps).toBe(46.25);
    expect(summary.offeredRps).toBe(15);

    expect(
      summary.phases.map(({ name, count, errors, p50Ms, maxMs, offeredRps }) => ({
        name,
        count,
        errors,
        p50Ms,
        maxMs,
        offeredRps,
      })),
    ).toEqual([
      { name: 'warm', count: 100, errors: 0, p50Ms: close(50), maxMs: close(100), offeredRps: 10 },
      { name: 'peak', count: 100, errors: 15, p50Ms: close(150), maxMs: close(200), offeredRps: 20 },
    ]);
    expect(summary.requests.map(({ name, count, p95Ms }) => ({ name, count, p95Ms }))).toEqual([
      { name: 'read', count: 100, p95Ms: close(95) },
      { name: 'write', count: 100, p95Ms: close(195) },
    ]);
    expect(summary.timeline.map(({ second, count }) => [second, count])).toEqual([
      [0, 99],
      [1, 1],
      [2, 99],
      [3, 1],
    ]);
    expect(summary.distribution.find((point) => point.percentile === 100)?.valueMs).toBeCloseTo(200, 0);
  });

  it('keeps a name that occurs in several phases as one row', () => {
    recorder = new Recorder(phases);
    recorder.record(sample({ phase: 0, latencyMs: 10 }));
    recorder.record(sample({ phase: 1, latencyMs: 30, atMs: 2500 }));
    const { requests, phases: byPhase } = recorder.summary();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ name: 'read', count: 2, maxMs: expect.closeTo(30, 0) });
    expect(byPhase.map((p) => p.count)).toEqual([1, 1]);
  });

  it('summarises an empty run as zeros', () => {
    recorder = new Recorder(phases);
    const { totals, requests, timeline, distribution } = recorder.summary();
    expect(totals).toMatchObject({ count: 0, errors: 0, errorRate: 0, p95Ms: 0, maxMs: 0 });
    expect([requests, timeline, distribution]).toEqual([[], [], []]);
  });

  it('refuses a sample of a phase the run does not have', () => {
    recorder = new Recorder(phases);
    expect(() => recorder.record(sample({ phase: 2 }))).toThrow(/phase 2, but the run has 2 phases/);
  });
});

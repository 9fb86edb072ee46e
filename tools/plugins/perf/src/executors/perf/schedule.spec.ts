import { arrivals, offeredCount, peakRate, phaseBoundariesMs } from './schedule';
import type { Phase } from './scenario';

const phase = (durationS: number, arrivalRate: number, rampTo = arrivalRate): Phase => ({
  name: 'p',
  durationS,
  arrivalRate,
  rampTo,
});

describe('open-model schedule', () => {
  it('spaces a constant rate evenly', () => {
    const times = [...arrivals([phase(1, 4)])].map((a) => a.atMs);
    expect(times).toEqual([0, 250, 500, 750]);
  });

  it('ramps linearly: as many arrivals as the area under the rate, ever closer together', () => {
    const ramp = [...arrivals([phase(10, 0, 20)])];
    expect(ramp).toHaveLength(100);
    expect(ramp.length).toBe(offeredCount([phase(10, 0, 20)]));
    const gaps = ramp.slice(1).map((a, i) => a.atMs - ramp[i].atMs);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThanOrEqual(gaps[i - 1] + 1e-9);
    expect(ramp.at(-1)?.atMs).toBeLessThan(10_000);
    // Half-way through a 0 -> 20 ramp, a quarter of the requests have been sent.
    expect(ramp.filter((a) => a.atMs < 5000)).toHaveLength(25);
  });

  it('runs phases back to back, a pause sending nothing, each arrival tagged with its phase', () => {
    const phases = [phase(1, 2), { ...phase(2, 0), name: 'pause' }, phase(1, 3)];
    const all = [...arrivals(phases)];
    expect(all).toEqual([
      { atMs: 0, phase: 0 },
      { atMs: 500, phase: 0 },
      { atMs: 3000, phase: 2 },
      { atMs: 3000 + 1000 / 3, phase: 2 },
      { atMs: 3000 + 2000 / 3, phase: 2 },
    ]);
    expect(offeredCount(phases)).toBe(5);
    expect(phaseBoundariesMs(phases)).toEqual([0, 1000, 3000, 4000]);
    expect(peakRate(phases)).toBe(3);
  });
});

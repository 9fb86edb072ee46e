import type { Phase } from './scenario';

/** When one request is due: milliseconds after the start of the run, and which phase it belongs to. */
export interface Arrival {
  atMs: number;
  phase: number;
}

/**
 * The open model's schedule: arrival times computed from the phases alone, never from how fast
 * the server answers. In a phase ramping linearly from rate a to rate b over d seconds the
 * expected count by time t is N(t) = a·t + (b − a)·t²/(2d); the i-th arrival is at N(t) = i.
 * Arrivals are evenly spaced (no Poisson jitter) so two runs of a profile send the same requests.
 */
export function* arrivals(phases: readonly Phase[]): Generator<Arrival> {
  let phaseStartMs = 0;
  for (const [index, phase] of phases.entries()) {
    const { durationS: d, arrivalRate: a, rampTo: b } = phase;
    const total = ((a + b) / 2) * d;
    for (let i = 0; i < total - 1e-9; i++) {
      let t: number;
      if (Math.abs(b - a) < 1e-12) {
        t = i / a;
      } else {
        // Solve (b − a)/(2d)·t² + a·t − i = 0 for the root in [0, d].
        const k = (b - a) / (2 * d);
        t = (-a + Math.sqrt(a * a + 4 * k * i)) / (2 * k);
      }
      yield { atMs: phaseStartMs + t * 1000, phase: index };
    }
    phaseStartMs += d * 1000;
  }
}

/** How many requests a profile offers in total. */
export function offeredCount(phases: readonly Phase[]): number {
  let count = 0;
  for (const phase of phases) count += Math.ceil(((phase.arrivalRate + phase.rampTo) / 2) * phase.durationS - 1e-9);
  return count;
}

/** The highest arrival rate any phase reaches, in requests per second. */
export function peakRate(phases: readonly Phase[]): number {
  return Math.max(0, ...phases.map((phase) => Math.max(phase.arrivalRate, phase.rampTo)));
}

/** Start offsets of each phase in milliseconds, plus the end of the last. */
export function phaseBoundariesMs(phases: readonly Phase[]): number[] {
  const bounds = [0];
  for (const phase of phases) bounds.push(bounds[bounds.length - 1] + phase.durationS * 1000);
  return bounds;
}

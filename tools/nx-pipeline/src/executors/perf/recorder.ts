import { build, type Histogram } from 'hdr-histogram-js';
import type { Phase } from './scenario';

/** One request as an engine saw it. */
export interface Sample {
  /** When the request was scheduled, in ms after the start of the run (open model). */
  atMs: number;
  /** From the scheduled time to the end of the response (or the error), in ms. */
  latencyMs: number;
  name: string;
  phase: number;
  /** HTTP status, or 0 when there was no response. */
  status: number;
  ok: boolean;
  /** Why a request without a response failed (ECONNREFUSED, timeout, dropped, ...). */
  error?: string;
}

export interface LatencyStats {
  count: number;
  errors: number;
  errorRate: number;
  /** Successful responses per second over the window the stats cover. */
  throughputRps: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  statuses: Record<string, number>;
  errorKinds: Record<string, number>;
}

export interface TimelinePoint {
  /** Start of the slice of the run the requests were scheduled in, in seconds. */
  second: number;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PercentilePoint {
  percentile: number;
  valueMs: number;
}

export interface PerfSummary {
  durationS: number;
  offeredRps: number;
  totals: LatencyStats;
  phases: Array<{ name: string; durationS: number; offeredRps: number } & LatencyStats>;
  requests: Array<{ name: string } & LatencyStats>;
  timeline: TimelinePoint[];
  /** The whole run's latency distribution, for the percentile chart. */
  distribution: PercentilePoint[];
}

/** Latencies are recorded in microseconds: HDR histograms hold integers. */
const US = 1000;

function histogram(digits: 2 | 3): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: digits, autoResize: true });
}

/** At most this many points on the latency-over-time chart, however long the run. */
const TIMELINE_POINTS = 300;

class Bucket {
  readonly latency: Histogram;
  constructor(digits: 2 | 3 = 3) {
    this.latency = histogram(digits);
  }
  count = 0;
  errors = 0;
  readonly statuses: Record<string, number> = {};
  readonly errorKinds: Record<string, number> = {};

  add(sample: Sample): void {
    this.count += 1;
    // Failed requests count in the latency too: a timeout that took 10 s is 10 s of waiting.
    this.latency.recordValue(Math.max(1, Math.round(sample.latencyMs * US)));
    const status = sample.status === 0 ? 'none' : String(sample.status);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (!sample.ok) {
      this.errors += 1;
      const kind = sample.error ?? `HTTP ${sample.status}`;
      this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
    }
  }

  stats(windowS: number): LatencyStats {
    const at = (p: number) => (this.count === 0 ? 0 : round(this.latency.getValueAtPercentile(p) / US));
    return {
      count: this.count,
      errors: this.errors,
      errorRate: this.count === 0 ? 0 : this.errors / this.count,
      throughputRps: windowS > 0 ? round((this.count - this.errors) / windowS) : 0,
      p50Ms: at(50),
      p90Ms: at(90),
      p95Ms: at(95),
      p99Ms: at(99),
      maxMs: this.count === 0 ? 0 : round(this.latency.maxValue / US),
      meanMs: this.count === 0 ? 0 : round(this.latency.mean / US),
      statuses: this.statuses,
      errorKinds: this.errorKinds,
    };
  }

  destroy(): void {
    this.latency.destroy();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Collects samples from any engine into HDR histograms: the whole run, each phase, each request
 * name and each second. Memory stays bounded however long the run is.
 */
export class Recorder {
  private readonly total = new Bucket();
  private readonly byPhase: Bucket[];
  private readonly byName = new Map<string, Bucket>();
  private readonly bySecond = new Map<number, Bucket>();
  /** Seconds per timeline point. */
  private readonly stepS: number;

  constructor(private readonly phases: readonly Phase[]) {
    this.byPhase = phases.map(() => new Bucket());
    this.stepS = Math.max(1, Math.ceil(phases.reduce((s, p) => s + p.durationS, 0) / TIMELINE_POINTS));
  }

  get count(): number {
    return this.total.count;
  }

  record(sample: Sample): void {
    this.total.add(sample);
    this.byPhase[sample.phase]?.add(sample);
    let named = this.byName.get(sample.name);
    if (!named) this.byName.set(sample.name, (named = new Bucket()));
    named.add(sample);
    const second = Math.floor(sample.atMs / 1000 / this.stepS) * this.stepS;
    let perSecond = this.bySecond.get(second);
    // Two significant digits (1 %) are plenty for a chart and keep long runs small.
    if (!perSecond) this.bySecond.set(second, (perSecond = new Bucket(2)));
    perSecond.add(sample);
  }

  summary(): PerfSummary {
    // Throughput counts the time the profile offered load; pauses send nothing and are left out.
    const activeS = this.phases.filter((p) => p.arrivalRate > 0 || p.rampTo > 0).reduce((s, p) => s + p.durationS, 0);
    const offered = this.phases.reduce((s, p) => s + ((p.arrivalRate + p.rampTo) / 2) * p.durationS, 0);
    const distribution: PercentilePoint[] = [];
    if (this.total.count > 0) {
      for (const percentile of [0, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100]) {
        distribution.push({ percentile, valueMs: round(this.total.latency.getValueAtPercentile(percentile) / US) });
      }
    }
    return {
      durationS: this.phases.reduce((s, p) => s + p.durationS, 0),
      offeredRps: activeS > 0 ? round(offered / activeS) : 0,
      totals: this.total.stats(activeS),
      phases: this.phases.map((phase, index) => ({
        name: phase.name,
        durationS: phase.durationS,
        offeredRps: round((phase.arrivalRate + phase.rampTo) / 2),
        ...this.byPhase[index].stats(phase.durationS),
      })),
      requests: [...this.byName.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, bucket]) => ({ name, ...bucket.stats(activeS) })),
      timeline: [...this.bySecond.entries()]
        .sort(([a], [b]) => a - b)
        .map(([second, bucket]) => {
          const { count, errors, p50Ms, p95Ms, p99Ms, maxMs } = bucket.stats(1);
          return { second, count, errors, p50Ms, p95Ms, p99Ms, maxMs };
        }),
      distribution,
    };
  }

  /** Frees the histograms (hdr-histogram-js may hold WebAssembly memory). */
  destroy(): void {
    for (const bucket of [this.total, ...this.byPhase, ...this.byName.values(), ...this.bySecond.values()]) bucket.destroy();
  }
}

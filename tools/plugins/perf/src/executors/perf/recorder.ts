import { build, initWebAssemblySync, type Histogram } from 'hdr-histogram-js';
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

/**
 * hdr-histogram-js's WebAssembly histograms record about 3x faster than its JavaScript ones
 * (bench/perf-engine.sh runs at tens of thousands of requests per second). They live outside
 * V8's heap, hence `destroy()`; where WebAssembly is not available the JavaScript ones are used.
 */
const useWebAssembly = (globalThis as { WebAssembly?: unknown }).WebAssembly !== undefined;
let webAssemblyReady = false;

function histogram(digits: 2 | 3): Histogram {
  if (useWebAssembly && !webAssemblyReady) {
    // Compiles the module once per process (about 9 ms), on first use rather than on import.
    initWebAssemblySync();
    webAssemblyReady = true;
  }
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: digits,
    autoResize: true,
    useWebAssembly,
  });
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
  /** By HTTP status (0: no response); numeric keys, turned into strings only for the summary. */
  readonly statuses = new Map<number, number>();
  readonly errorKinds = new Map<string, number>();

  add(sample: Sample): void {
    this.count += 1;
    // Failed requests count in the latency too: a timeout that took 10 s is 10 s of waiting.
    this.latency.recordValue(Math.max(1, Math.round(sample.latencyMs * US)));
    this.statuses.set(sample.status, (this.statuses.get(sample.status) ?? 0) + 1);
    if (!sample.ok) {
      this.errors += 1;
      const kind = sample.error ?? `HTTP ${sample.status}`;
      this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
    }
  }

  /** Adds another bucket's counts and latencies to this one. */
  merge(other: Bucket): this {
    this.count += other.count;
    this.errors += other.errors;
    this.latency.add(other.latency);
    for (const [status, n] of other.statuses) this.statuses.set(status, (this.statuses.get(status) ?? 0) + n);
    for (const [kind, n] of other.errorKinds) this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + n);
    return this;
  }

  stats(windowS: number): LatencyStats {
    const at = (p: number) => (this.count === 0 ? 0 : round(this.latency.getValueAtPercentile(p) / US));
    const statuses: Record<string, number> = {};
    for (const [status, n] of [...this.statuses].sort(([a], [b]) => a - b))
      statuses[status === 0 ? 'none' : String(status)] = n;
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
      statuses,
      errorKinds: Object.fromEntries(this.errorKinds),
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
 * Collects samples from any engine into HDR histograms, for the whole run, each phase, each
 * request name and each second. A sample is recorded twice, not four times: once in the cell of
 * its phase and request name, once in its second; the run's, each phase's and each name's
 * statistics are the sums of those cells, added up once in `summary()`. Memory stays bounded
 * however long the run is.
 */
export class Recorder {
  /** cells[phase] maps a request name to the samples of that phase and name. */
  private readonly cells: Array<Map<string, Bucket>>;
  private readonly bySecond = new Map<number, Bucket>();
  /** The timeline slice the last sample went to: consecutive samples mostly share one. */
  private lastSlice = -1;
  private lastSliceBucket: Bucket | undefined;
  private recorded = 0;
  /** Seconds per timeline point. */
  private readonly stepS: number;

  constructor(private readonly phases: readonly Phase[]) {
    this.cells = phases.map(() => new Map());
    this.stepS = Math.max(1, Math.ceil(phases.reduce((s, p) => s + p.durationS, 0) / TIMELINE_POINTS));
  }

  get count(): number {
    return this.recorded;
  }

  record(sample: Sample): void {
    const phase = this.cells[sample.phase];
    if (phase === undefined)
      throw new RangeError(
        `A sample of phase ${sample.phase}, but the run has ${this.cells.length} phases: the engine sent a request outside the profile.`,
      );
    this.recorded += 1;
    let cell = phase.get(sample.name);
    if (cell === undefined) phase.set(sample.name, (cell = new Bucket()));
    cell.add(sample);
    const slice = Math.floor(sample.atMs / 1000 / this.stepS) * this.stepS;
    let perSecond = slice === this.lastSlice ? this.lastSliceBucket : this.bySecond.get(slice);
    // Two significant digits (1 %) are plenty for a chart and keep long runs small.
    if (perSecond === undefined) this.bySecond.set(slice, (perSecond = new Bucket(2)));
    this.lastSlice = slice;
    this.lastSliceBucket = perSecond;
    perSecond.add(sample);
  }

  summary(): PerfSummary {
    // Throughput counts the time the profile offered load; pauses send nothing and are left out.
    const activeS = this.phases.filter((p) => p.arrivalRate > 0 || p.rampTo > 0).reduce((s, p) => s + p.durationS, 0);
    const offered = this.phases.reduce((s, p) => s + ((p.arrivalRate + p.rampTo) / 2) * p.durationS, 0);
    const total = new Bucket();
    const byPhase = this.cells.map((phase) => {
      const bucket = new Bucket();
      for (const cell of phase.values()) bucket.merge(cell);
      total.merge(bucket);
      return bucket;
    });
    const byName = new Map<string, Bucket>();
    for (const phase of this.cells) {
      for (const [name, cell] of phase) {
        let named = byName.get(name);
        if (named === undefined) byName.set(name, (named = new Bucket()));
        named.merge(cell);
      }
    }
    try {
      const distribution: PercentilePoint[] = [];
      if (total.count > 0) {
        for (const percentile of [0, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.99, 100]) {
          distribution.push({ percentile, valueMs: round(total.latency.getValueAtPercentile(percentile) / US) });
        }
      }
      return {
        durationS: this.phases.reduce((s, p) => s + p.durationS, 0),
        offeredRps: activeS > 0 ? round(offered / activeS) : 0,
        totals: total.stats(activeS),
        phases: this.phases.map((phase, index) => ({
          name: phase.name,
          durationS: phase.durationS,
          offeredRps: round((phase.arrivalRate + phase.rampTo) / 2),
          ...byPhase[index].stats(phase.durationS),
        })),
        requests: [...byName.entries()]
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
    } finally {
      for (const bucket of [total, ...byPhase, ...byName.values()]) bucket.destroy();
    }
  }

  /** Frees the histograms (WebAssembly memory, outside V8's garbage collector). */
  destroy(): void {
    for (const phase of this.cells) for (const cell of phase.values()) cell.destroy();
    for (const bucket of this.bySecond.values()) bucket.destroy();
    this.cells.length = 0;
    this.bySecond.clear();
  }
}

import { performance } from 'node:perf_hooks';
import { Client, type Dispatcher } from 'undici';
import { Recorder, type Sample } from '../recorder';
import { createRenderer, seededRandom, weightedPicker, type RenderedRequest } from '../requests';
import { isAllowedHost, type Phase, type Scenario } from '../scenario';
import { arrivals } from '../schedule';
import type { Engine, EngineRun } from './engine';

/** Same seed, same mix of requests, run after run. */
const SEED = 20_240_601;

/** A late send worth a warning: the engine itself, not the service, was behind by this much. */
const LATE_WARNING_MS = 50;

/** A rendered request with what sending and judging it needs, built once per distinct request. */
interface Prepared {
  readonly name: string;
  readonly options: Dispatcher.DispatchOptions;
  readonly expected: ReadonlySet<number>;
}

/** A request due while every connection was busy: its latency runs from `scheduledAt` already. */
interface Waiting {
  request: Prepared;
  atMs: number;
  phase: number;
  scheduledAt: number;
}

function errorKind(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_ABORTED':
      return 'cut off at the end of the run';
    case undefined:
      return (error as Error).message ?? String(error);
    default:
      return code;
  }
}

/**
 * One keep-alive connection (an undici Client) with at most one request in flight, as wrk sends
 * them (no pipelining), and the handler of that request: undici's lowest-level API (dispatch with
 * the classic callbacks; no promise, no body stream, and no new handler object per request).
 */
class Connection implements Dispatcher.DispatchHandler {
  private request!: Prepared;
  private atMs = 0;
  private phase = 0;
  private scheduledAt = 0;
  private status = 0;
  /** The host a 3xx's Location points to when it is not an allowed one. */
  private offsite: string | undefined;

  constructor(
    readonly client: Client,
    private readonly load: Load,
  ) {}

  send(request: Prepared, atMs: number, phase: number, scheduledAt: number): void {
    this.request = request;
    this.atMs = atMs;
    this.phase = phase;
    this.scheduledAt = scheduledAt;
    this.status = 0;
    this.offsite = undefined;
    this.client.dispatch(request.options, this);
  }

  onConnect(): void {
    // Required by the classic handler interface; nothing to do when the request starts.
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    // undici's dispatch never follows a redirect: a 3xx is the answer. One whose Location leaves
    // the allowed hosts is also a failure, so a service that points load elsewhere is seen.
    if (statusCode >= 300 && statusCode < 400) this.offsite = this.load.offsiteLocation(rawHeaders);
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    const offsite = this.offsite && new Error(`redirect to ${this.offsite}, not an allowed host (not followed)`);
    this.load.settle(this, this.request, this.atMs, this.phase, this.scheduledAt, this.status, offsite || undefined);
  }

  onError(error: Error): void {
    // Settled on the next turn, never from inside undici: when a connect fails, undici fails every
    // request queued on the client and then asserts the queue is empty, so a request dispatched
    // from this callback (the next one waiting, or any due send) crashed the whole process with an
    // AssertionError (exit 1) instead of being recorded: as when a service dies mid-run under load.
    const now = performance.now();
    const { request, atMs, phase, scheduledAt } = this;
    setImmediate(() => this.load.settle(this, request, atMs, phase, scheduledAt, 0, error, now));
  }
}

interface LoadOptions {
  origin: string;
  maxConnections: number;
  timeoutMs: number;
  record(sample: Sample): void;
  /** Hosts besides loopback a redirect may point to without failing the request. */
  allowHosts?: readonly string[];
  /**
   * Closed loop (the benchmark's comparison with wrk): a connection that gets its answer sends the
   * next request at once, until `until` (a performance.now() time). Unset: the open model.
   */
  closed?: { until: number; next(): Prepared; start: number };
}

/**
 * The engine's sending side, shared by the open model (perf targets) and the closed loop (the
 * benchmark): connections opened as needed up to a maximum, a free connection per request, and
 * a first-in-first-out queue of requests that are due while all are busy. Every request is
 * recorded once, with its latency from its scheduled time, including the time it waited here.
 */
class Load {
  private readonly connections: Connection[] = [];
  private readonly idle: Connection[] = [];
  private waiting: Array<Waiting | undefined> = [];
  private head = 0;
  /** Requests sent or waiting, not yet recorded. */
  private outstanding = 0;
  private stopped = false;
  private drained: (() => void) | undefined;
  private drainedPromise: Promise<void> | undefined;
  /** Closed loop: connections whose next request goes out once this turn's answers are read. */
  private refill: Connection[] = [];
  private readonly flushRefill = () => {
    const connections = this.refill;
    this.refill = [];
    const closed = this.options.closed;
    if (closed === undefined) return;
    for (const connection of connections) {
      const now = performance.now();
      connection.send(closed.next(), now - closed.start, 0, now);
    }
  };
  /** Called after each answer (or failure) with its performance.now() time, while sending. */
  afterSettle: ((now: number) => void) | undefined;

  constructor(private readonly options: LoadOptions) {}

  send(request: Prepared, atMs: number, phase: number, scheduledAt: number): void {
    this.outstanding += 1;
    const connection = this.idle.pop() ?? this.open();
    if (connection) connection.send(request, atMs, phase, scheduledAt);
    else this.waiting.push({ request, atMs, phase, scheduledAt });
  }

  /** Resolves when every request sent so far is recorded. */
  idleAll(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    this.drainedPromise ??= new Promise((resolve) => (this.drained = resolve));
    return this.drainedPromise;
  }

  /** Called by a connection when its request is answered or failed. */
  settle(
    connection: Connection,
    request: Prepared,
    atMs: number,
    phase: number,
    scheduledAt: number,
    status: number,
    error: Error | undefined,
    now = performance.now(),
  ): void {
    const latencyMs = now - scheduledAt;
    const { timeoutMs, record, closed } = this.options;
    if (error !== undefined) {
      record({ atMs, latencyMs, name: request.name, phase, status: 0, ok: false, error: errorKind(error) });
    } else {
      const inTime = latencyMs <= timeoutMs;
      record({
        atMs,
        latencyMs,
        name: request.name,
        phase,
        status,
        ok: inTime && request.expected.has(status),
        error: inTime ? undefined : 'timeout',
      });
    }
    this.outstanding -= 1;
    if (this.stopped) return this.checkDrained(connection);
    const waiting = this.take();
    if (waiting === undefined && closed !== undefined && now < closed.until) {
      // As wrk does (it writes on the socket's next writable event): the next request goes out
      // after every answer that arrived with this one is read, timed from when it is sent.
      this.outstanding += 1;
      this.refill.push(connection);
      if (this.refill.length === 1) setImmediate(this.flushRefill);
      return;
    }
    if (waiting !== undefined) connection.send(waiting.request, waiting.atMs, waiting.phase, waiting.scheduledAt);
    else this.checkDrained(connection);
    this.afterSettle?.(now);
  }

  /** The host of a redirect's Location (resolved against the target) when it is not loopback or allowed. */
  offsiteLocation(rawHeaders: Buffer[]): string | undefined {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i].toString('latin1').toLowerCase() !== 'location') continue;
      const location = rawHeaders[i + 1].toString('latin1');
      let host: string;
      try {
        host = new URL(location, this.options.origin).hostname;
      } catch {
        return `an unreadable Location (${location.slice(0, 80)})`;
      }
      return isAllowedHost(host, this.options.allowHosts ?? []) ? undefined : host;
    }
    return undefined;
  }

  /** True while any request is in flight or waiting: its answer will come through settle(). */
  get busy(): boolean {
    return this.outstanding > 0;
  }

  /**
   * Stops sending: every request still waiting is recorded as cut off, and the connections are
   * destroyed, which fails (and so records) every request in flight.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const now = performance.now();
    for (let waiting = this.take(); waiting !== undefined; waiting = this.take()) {
      this.outstanding -= 1;
      const { request, atMs, phase, scheduledAt } = waiting;
      this.options.record({
        atMs,
        latencyMs: now - scheduledAt,
        name: request.name,
        phase,
        status: 0,
        ok: false,
        error: 'cut off at the end of the run',
      });
    }
    this.signalDrained();
    await Promise.all(this.connections.map((connection) => connection.client.destroy().catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.client.close().catch(() => undefined)));
  }

  private open(): Connection | undefined {
    if (this.connections.length >= this.options.maxConnections) return undefined;
    const { origin, timeoutMs } = this.options;
    const client = new Client(origin, {
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 30_000,
    });
    const connection = new Connection(client, this);
    this.connections.push(connection);
    return connection;
  }

  private take(): Waiting | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const waiting = this.waiting[this.head];
    this.waiting[this.head] = undefined;
    this.head += 1;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    return waiting;
  }

  private checkDrained(connection: Connection): void {
    this.idle.push(connection);
    this.signalDrained();
  }

  private signalDrained(): void {
    if (this.outstanding > 0 || this.drained === undefined) return;
    const drained = this.drained;
    this.drained = undefined;
    this.drainedPromise = undefined;
    drained();
  }
}

/** Renders the scenario's requests in its seeded mix, each distinct one prepared for undici once. */
function requestSource(scenario: Scenario & { target: string }): () => Prepared {
  const basePath = new URL(scenario.target).pathname.replace(/\/$/, '');
  const random = seededRandom(SEED);
  const pick = weightedPicker(scenario.requests, random);
  const render = createRenderer(scenario.variables, random);
  const expected = new Map(scenario.requests.map((r) => [r.name, new Set(r.expectedStatuses)]));
  // A request without placeholders is rendered to the same object every time: prepare it once.
  const prepared = new WeakMap<RenderedRequest, Prepared>();
  return () => {
    const request = render(pick());
    let ready = prepared.get(request);
    if (ready === undefined) {
      ready = {
        name: request.name,
        options: {
          path: basePath + request.path,
          method: request.method,
          headers: request.headers,
          body: request.body,
        },
        expected: expected.get(request.name) ?? new Set(),
      };
      prepared.set(request, ready);
    }
    return ready;
  };
}

/**
 * The built-in engine: Node and undici, no install. An open model: timers and answers walk the
 * schedule and send every request that is due, whether or not earlier ones have answered; a
 * request's latency runs from its scheduled time, so time spent waiting for a free connection (or
 * for our own event loop) is counted instead of hidden (no coordinated omission).
 */
export const nodeEngine: Engine = {
  name: 'node',
  async run({ scenario, phases, record, signal, allowHosts, log }: EngineRun) {
    const next = requestSource(scenario);
    const load = new Load({
      origin: new URL(scenario.target).origin,
      maxConnections: scenario.maxConnections,
      timeoutMs: scenario.timeoutS * 1000,
      record,
      allowHosts,
    });
    const schedule = arrivals(phases);
    let arrival = schedule.next();
    let scheduling = true;
    let latestMs = 0;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const onAbort = () => {
      scheduling = false;
      // Records whatever is waiting or in flight as cut off.
      void load
        .stop()
        .then(() => load.idleAll())
        .then(finish);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const start = performance.now();
    let pumping = false;
    /** Sends every request due at `now` (ms into the run); false once the schedule is done. */
    const sendDue = (now: number): boolean => {
      if (pumping || arrival.done) return !arrival.done;
      pumping = true;
      // How late the first due request goes out: the engine's own lag, counted in its latency.
      if (now - arrival.value.atMs > latestMs) latestMs = now - arrival.value.atMs;
      while (!arrival.done && arrival.value.atMs <= now) {
        const { atMs, phase } = arrival.value;
        load.send(next(), atMs, phase, start + atMs);
        arrival = schedule.next();
      }
      pumping = false;
      return !arrival.done;
    };
    // One wake-up is pending at a time; `wakeups` tells a superseded one to do nothing.
    let wakeups = 0;
    let timer: NodeJS.Timeout | undefined;
    let fallback = false;
    const wakeUp = () => {
      const generation = ++wakeups;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      fallback = false;
      const wait = (arrival.value as { atMs: number }).atMs - (performance.now() - start);
      const run = () => generation === wakeups && tick();
      // setTimeout fires up to a millisecond late, so it wakes the engine a millisecond early. For
      // the last millisecond, the answers of requests in flight drive sending (afterSettle), with a
      // 1 ms timer as the fallback; with nothing in flight, setImmediate turns keep the time. (Spinning
      // on setImmediate whenever the next request is under 1 ms away kept sends 0.05 ms late on
      // average but cost a core from about 1,000 req/s up, taken from the service under test on a
      // 2-core runner; this way sends are up to about 1 ms late while requests are in flight, and
      // that delay counts in their latency.)
      if (wait > 1) timer = setTimeout(run, wait - 1);
      else if (load.busy) {
        timer = setTimeout(run, 1);
        fallback = true;
      } else setImmediate(run);
    };
    load.afterSettle = (now) => {
      if (!scheduling || !sendDue(now - start)) return;
      // The last answer is in: nothing drives sending but the fallback timer now, so spin instead.
      if (fallback && !load.busy) wakeUp();
    };
    const tick = () => {
      if (!scheduling) return;
      if (!sendDue(performance.now() - start)) {
        scheduling = false;
        void load.idleAll().then(finish);
        return;
      }
      wakeUp();
    };
    if (signal.aborted) onAbort();
    else tick();

    await finished;
    if (timer !== undefined) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    await load.close();
    if (latestMs > LATE_WARNING_MS) {
      log(
        `node engine: requests went out up to ${Math.round(latestMs)} ms after their scheduled time because this process was busy ` +
          '(a rate too high for one core, or a busy machine). Latencies count from the scheduled time, so they include that delay; ' +
          'lower the rate, or use --engine=k6.',
      );
    }
    return { ran: true as const, engine: 'node', version: `node ${process.versions.node}, undici ${undiciVersion()}` };
  },
};

function undiciVersion(): string {
  return (require('undici/package.json') as { version: string }).version;
}

export interface SaturationResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A closed loop (each connection sends its next request when the previous one answers), the way
 * wrk works. Only the benchmark uses it, to compare this engine with wrk like for like; it sends
 * through the same connections, request preparation and Recorder as the open model above, and
 * perf targets always use the open model.
 */
export async function saturate(url: string, connections: number, durationMs: number): Promise<SaturationResult> {
  const target = new URL(url);
  const scenario: Scenario & { target: string } = {
    file: 'bench',
    profile: 'closed',
    profiles: ['closed'],
    target: target.origin,
    phases: [],
    requests: [
      {
        name: 'static',
        weight: 1,
        method: 'GET',
        url: target.pathname + target.search,
        headers: {},
        expectedStatuses: [200],
      },
    ],
    variables: {},
    timeoutS: 10,
    maxConnections: connections,
  };
  const phases: Phase[] = [{ name: 'closed loop', durationS: durationMs / 1000, arrivalRate: 0, rampTo: 0 }];
  const recorder = new Recorder(phases);
  const next = requestSource(scenario);
  const start = performance.now();
  const load = new Load({
    origin: target.origin,
    maxConnections: connections,
    timeoutMs: scenario.timeoutS * 1000,
    record: (sample) => recorder.record(sample),
    closed: { until: start + durationMs, next, start },
  });
  for (let i = 0; i < connections; i++) load.send(next(), 0, 0, start);
  await load.idleAll();
  const elapsedS = (performance.now() - start) / 1000;
  await load.close();
  const { totals } = recorder.summary();
  recorder.destroy();
  return {
    requests: totals.count,
    errors: totals.errors,
    rps: totals.count / elapsedS,
    p50Ms: totals.p50Ms,
    p99Ms: totals.p99Ms,
  };
}

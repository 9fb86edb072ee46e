import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { createRenderer, seededRandom, weightedPicker, type RenderedRequest } from '../requests';
import { arrivals, type Arrival } from '../schedule';
import type { Engine, EngineRun } from './engine';

/**
 * One request through undici's lowest-level API (dispatch with a handler, no promise and no body
 * stream per request): the engine's own overhead per request is what limits its rate.
 */
function dispatch(pool: Pool, options: Dispatcher.DispatchOptions, done: (status: number, error?: unknown) => void): void {
  let status = 0;
  // A Pool (unlike a composed dispatcher) takes only the classic handler callbacks (undici 7).
  pool.dispatch(options, {
    onConnect() {
      // Required by the classic handler interface; nothing to do when the request starts.
    },
    onHeaders(statusCode) {
      status = statusCode;
      return true;
    },
    onData() {
      return true;
    },
    onComplete() {
      done(status);
    },
    onError(error) {
      done(0, error);
    },
  });
}

/** Same seed, same mix of requests, run after run. */
const SEED = 20_240_601;

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
 * The built-in engine: Node and undici, no install. An open model: a timer walks the schedule and
 * sends every request that is due, whether or not earlier ones have answered; a request's latency
 * runs from its scheduled time, so time spent waiting for a free connection (or for our own
 * event loop) is counted instead of hidden (no coordinated omission).
 */
export const nodeEngine: Engine = {
  name: 'node',
  async run({ scenario, phases, record, signal }: EngineRun) {
    const target = new URL(scenario.target);
    const basePath = target.pathname.replace(/\/$/, '');
    const timeoutMs = scenario.timeoutS * 1000;
    const pool = new Pool(target.origin, {
      connections: scenario.maxConnections,
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 30_000,
    });
    const random = seededRandom(SEED);
    const pick = weightedPicker(scenario.requests, random);
    const render = createRenderer(scenario.variables, random);
    const expected = new Map(scenario.requests.map((r) => [r.name, new Set(r.expectedStatuses)]));

    let inFlight = 0;
    let scheduling = true;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const settle = () => {
      inFlight -= 1;
      if (!scheduling && inFlight === 0) finish();
    };

    const start = performance.now();
    const send = (arrival: Arrival, request: RenderedRequest) => {
      const scheduledAt = start + arrival.atMs;
      inFlight += 1;
      dispatch(pool, { path: basePath + request.path, method: request.method, headers: request.headers, body: request.body }, (status, error) => {
        const latencyMs = performance.now() - scheduledAt;
        if (error !== undefined) {
          record({ atMs: arrival.atMs, latencyMs, name: request.name, phase: arrival.phase, status: 0, ok: false, error: errorKind(error) });
        } else {
          const ok = (expected.get(request.name)?.has(status) ?? false) && latencyMs <= timeoutMs;
          record({ atMs: arrival.atMs, latencyMs, name: request.name, phase: arrival.phase, status, ok, error: ok || latencyMs <= timeoutMs ? undefined : 'timeout' });
        }
        settle();
      });
    };

    const schedule = arrivals(phases);
    let next = schedule.next();
    const stop = () => {
      scheduling = false;
      if (inFlight === 0) finish();
    };
    const onAbort = () => {
      stop();
      // Fails whatever is still in flight; each one is recorded as cut off.
      void pool.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const tick = () => {
      if (!scheduling) return;
      const now = performance.now() - start;
      while (!next.done && next.value.atMs <= now) {
        send(next.value, render(pick()));
        next = schedule.next();
      }
      if (next.done) {
        stop();
        return;
      }
      const wait = next.value.atMs - (performance.now() - start);
      if (wait > 1) setTimeout(tick, wait - 1);
      else setImmediate(tick);
    };
    if (signal.aborted) onAbort();
    else tick();

    await finished;
    signal.removeEventListener('abort', onAbort);
    await pool.close().catch(() => undefined);
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
 * wrk works. Only the benchmark uses it, to compare this engine's HTTP path with wrk's like for
 * like; perf targets always use the open model above.
 */
export async function saturate(url: string, connections: number, durationMs: number): Promise<SaturationResult> {
  const { build } = await import('hdr-histogram-js');
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1 });
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  const options: Dispatcher.DispatchOptions = { path: target.pathname + target.search, method: 'GET' };
  const loop = () =>
    new Promise<void>((resolve) => {
      const next = () => {
        if (performance.now() >= end) return resolve();
        const t0 = performance.now();
        dispatch(pool, options, (status) => {
          histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          requests += 1;
          if (status === 0 || status >= 400) errors += 1;
          next();
        });
      };
      next();
    });
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsedS = (performance.now() - started) / 1000;
  await pool.close();
  const result = {
    requests,
    errors,
    rps: requests / elapsedS,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
  };
  histogram.destroy();
  return result;
}

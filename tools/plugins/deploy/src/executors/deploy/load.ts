import { Agent, request } from 'undici';

export interface Sample {
  /** Milliseconds since the epoch when the response (or error) arrived. */
  at: number;
  status: number;
  release: string;
  error?: string;
}

export interface Load {
  samples: Sample[];
  stop(): Promise<Sample[]>;
}

/**
 * A steady, bounded load on loopback URLs (taken in turn): `concurrency` keep-alive loops, each
 * pausing `gapMs` between requests, stopped by stop() or after `maxMs` at the latest. Used by the
 * proof tests, the bench, and the local provider's synthetic load during canary steps.
 */
export function startLoad(
  url: string | string[],
  options: { concurrency?: number; gapMs?: number; maxMs?: number } = {},
): Load {
  const targets = (Array.isArray(url) ? url : [url]).map((u) => new URL(u));
  const remote = targets.find((t) => !['127.0.0.1', 'localhost'].includes(t.hostname));
  if (remote) throw new Error(`load is only sent to loopback (127.0.0.1), not ${remote.hostname}`);
  const { concurrency = 4, gapMs = 20, maxMs = 120_000 } = options;
  const agent = new Agent({ keepAliveTimeout: 4_000, connections: concurrency });
  const samples: Sample[] = [];
  const deadline = Date.now() + maxMs;
  let running = true;
  const loop = async (_: unknown, index: number) => {
    for (let n = index; running && Date.now() < deadline; n++) {
      try {
        const response = await request(targets[n % targets.length], {
          dispatcher: agent,
          headersTimeout: 5_000,
          bodyTimeout: 5_000,
        });
        await response.body.text();
        samples.push({
          at: Date.now(),
          status: response.statusCode,
          release: String(response.headers['x-release'] ?? ''),
        });
      } catch (error) {
        samples.push({ at: Date.now(), status: 0, release: '', error: (error as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  let stopped: Promise<Sample[]> | undefined;
  return {
    samples,
    stop() {
      running = false;
      stopped ??= Promise.all(loops)
        .then(() => agent.close())
        .then(() => samples);
      return stopped;
    },
  };
}

export const failed = (samples: readonly Sample[]) => samples.filter((s) => s.status === 0 || s.status >= 500);
export const between = (samples: readonly Sample[], from: number, to: number) =>
  samples.filter((s) => s.at >= from && s.at <= to);

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sample } from '../recorder';
import type { Phase, Scenario } from '../scenario';
import { startService, type StartedService } from '../service';
import { FIXTURE_SERVER } from '../testing';
import { nodeEngine, saturate } from './node';

// Real requests to the fixture server on loopback, each test under 2 s.
describe('the built-in node engine', () => {
  let dir: string;
  let service: StartedService;
  const start = async (args: string[]) => {
    dir = mkdtempSync(join(tmpdir(), 'perf-node-engine-'));
    service = await startService(
      {
        command: [process.execPath, FIXTURE_SERVER, ...args],
        env: {},
        setup: [],
        readinessPath: '/health',
        readinessTimeoutS: 10,
      },
      { projectRoot: dir, pathPrepend: [], logFile: join(dir, 'service.log'), stopGraceS: 1 },
    );
  };
  afterEach(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (phases: Phase[], maxConnections: number, signal = new AbortController().signal) => {
    const scenario: Scenario & { target: string } = {
      file: 'test',
      profile: 'test',
      profiles: ['test'],
      target: service.url,
      phases,
      requests: [{ name: 'static', weight: 1, method: 'GET', url: '/static', headers: {}, expectedStatuses: [200] }],
      variables: {},
      timeoutS: 5,
      maxConnections,
    };
    const samples: Sample[] = [];
    const logs: string[] = [];
    const outcome = await nodeEngine.run({
      scenario,
      phases,
      record: (s) => samples.push(s),
      signal,
      workDirectory: dir,
      workspaceRoot: dir,
      log: (m) => logs.push(m),
    });
    return { outcome, samples: samples.sort((a, b) => a.atMs - b.atMs), logs };
  };

  it('counts the wait for a busy connection in the latency (no coordinated omission)', async () => {
    // One connection, 100 ms per answer, a request every 50 ms: the queue grows by half a request
    // per answer, and the i-th request waits for the i answers before it.
    await start(['--delay-ms', '100']);
    const { outcome, samples } = await run([{ name: 'steady', durationS: 0.5, arrivalRate: 20, rampTo: 20 }], 1);
    expect(outcome).toMatchObject({ ran: true, engine: 'node' });
    expect(samples).toHaveLength(10);
    expect(samples.every((s) => s.ok && s.status === 200)).toBe(true);
    expect(samples.map((s) => s.atMs)).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]);
    // Answered at about 100·(i + 1) ms, scheduled at 50·i ms: latency about 100 + 50·i ms.
    samples.forEach((s, i) => expect(s.latencyMs).toBeGreaterThanOrEqual(100 + 50 * i - 5));
  });

  it('records every request still waiting or in flight as cut off when aborted', async () => {
    // The server never answers within the test: two requests on the connections, the rest waiting.
    await start(['--delay-ms', '60000']);
    const controller = new AbortController();
    // The engine has started (and sent its first request) when run() returns; abort 275 ms later.
    const running = run([{ name: 'steady', durationS: 60, arrivalRate: 20, rampTo: 20 }], 2, controller.signal);
    setTimeout(() => controller.abort(), 275);
    const { samples } = await running;
    // Every request sent before the abort is recorded once, in schedule order, however late the
    // abort came on a busy machine: at least the six due by 250 ms, never the 1200 the profile offers.
    expect(samples.length).toBeGreaterThanOrEqual(6);
    expect(samples.length).toBeLessThan(1200);
    samples.forEach((s, i) => expect(s.atMs).toBeCloseTo(i * 50, 6));
    expect(samples.every((s) => !s.ok && s.status === 0 && s.error === 'cut off at the end of the run')).toBe(true);
    // The first one, sent at 0 ms, was cut off at the abort (275 ms or later).
    expect(Math.max(...samples.map((s) => s.latencyMs))).toBeGreaterThanOrEqual(260);
  });

  it('records every request as failed, and keeps running, when the service dies with requests waiting', async () => {
    // One connection and no answer: one request in flight, the rest waiting for it. When the
    // service dies, the one in flight fails and every later one fails to connect; each is
    // recorded, whenever the service dies (undici used to assert and crash the process here).
    await start(['--delay-ms', '60000']);
    const running = run([{ name: 'steady', durationS: 1, arrivalRate: 20, rampTo: 20 }], 1);
    setTimeout(() => void service.stop(), 200);
    const { samples } = await running;
    expect(samples).toHaveLength(20);
    expect(samples.every((s) => !s.ok && s.status === 0)).toBe(true);
  });

  it('runs a closed loop through the same path for the benchmark', async () => {
    // Every answer takes 100 ms: each of the 2 connections sends its next request only when its
    // answer is in, so 1.5 s allow at most 16 requests per connection, however fast the machine.
    await start(['--delay-ms', '100']);
    const result = await saturate(`${service.url}/static`, 2, 1500);
    // More than one per connection: it loops (the first answers come back within the 1.5 s even on
    // a loaded machine), and never more than the answers allow: it is closed.
    expect(result.requests).toBeGreaterThan(2);
    expect(result.requests).toBeLessThanOrEqual(32);
    expect(result.errors).toBe(0);
    expect(result.rps).toBeGreaterThan(0);
    expect(result.p50Ms).toBeGreaterThanOrEqual(99);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });
});

// The built-in perf engine's side of bench/perf-engine.sh; prints one JSON line.
//   closed <url> <connections> <seconds>   back-to-back requests per connection, as wrk sends them
//   open <url> <rate> <seconds>            the open model the perf targets use, at a fixed rate
import { performance } from 'node:perf_hooks';
import { nodeEngine, saturate } from '../tools/plugins/perf/src/executors/perf/engines/node';
import { Recorder } from '../tools/plugins/perf/src/executors/perf/recorder';
import type { Phase, Scenario } from '../tools/plugins/perf/src/executors/perf/scenario';

async function main(): Promise<void> {
  const [mode, url, a, b] = process.argv.slice(2);
  // Unmeasured requests first (10,000, or 10 s): V8 compiles the hot path and undici its llhttp
  // WebAssembly on first use, a fixed cost of more CPU than thousands of requests. A perf target's
  // warm-up does the same for the engine. The closed loop shares the open model's connections,
  // request preparation and Recorder, so this warms both. CPU time then counts the measurement only.
  const warmUntil = Date.now() + 10_000;
  for (let warmed = 0; warmed < 10_000 && Date.now() < warmUntil; )
    warmed += (await saturate(url, mode === 'closed' ? Number(a) : 16, 1000)).requests;
  if (mode === 'closed') {
    const before = process.cpuUsage();
    const result = await saturate(url, Number(a), Number(b) * 1000);
    const cpu = process.cpuUsage(before);
    console.log(JSON.stringify({ ...result, cpuS: (cpu.user + cpu.system) / 1e6 }));
    return;
  }
  const target = new URL(url);
  const phases: Phase[] = [{ name: 'bench', durationS: Number(b), arrivalRate: Number(a), rampTo: Number(a) }];
  const scenario: Scenario & { target: string } = {
    file: 'bench',
    profile: 'bench',
    profiles: ['bench'],
    target: target.origin,
    phases,
    requests: [
      { name: 'static', weight: 1, method: 'GET', url: target.pathname, headers: {}, expectedStatuses: [200] },
    ],
    variables: {},
    timeoutS: 10,
    maxConnections: 64,
  };
  const recorder = new Recorder(phases);
  const notes: string[] = [];
  const started = performance.now();
  const before = process.cpuUsage();
  await nodeEngine.run({
    scenario,
    phases,
    record: (s) => recorder.record(s),
    signal: new AbortController().signal,
    workDirectory: '.',
    workspaceRoot: '.',
    log: (m) => notes.push(m),
  });
  const cpu = process.cpuUsage(before);
  const elapsedS = (performance.now() - started) / 1000;
  const { totals } = recorder.summary();
  recorder.destroy();
  // The engine says when it sent late (its own lag, counted in the latencies); silence means on time.
  console.log(
    JSON.stringify({
      requests: totals.count,
      errors: totals.errors,
      elapsedS,
      cpuS: (cpu.user + cpu.system) / 1e6,
      p50Ms: totals.p50Ms,
      p99Ms: totals.p99Ms,
      late: notes.join(' '),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

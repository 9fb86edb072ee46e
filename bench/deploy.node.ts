// The deploy proof as numbers, for bench/deploy.sh: real HAProxy and Prometheus on loopback, the
// fixture releases v1..v4, a steady bounded load on 127.0.0.1. Prints one JSON object.
import { rmSync } from 'node:fs';
import { between, failed, startLoad } from '../tools/plugins/deploy/src/executors/deploy/load';
import {
  canaryStart,
  deploy,
  proofWorkspace,
  teardown,
} from '../tools/plugins/deploy/src/executors/deploy/proof/scenario';
import { freePort } from '../tools/plugins/core/src/process/net';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 15_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Deploys `version` under load and keeps the load for WINDOW_MS from the moment the candidate got traffic. */
async function underLoad(workspace: ReturnType<typeof proofWorkspace>, url: string, version: string) {
  const load = startLoad(url, { maxMs: 120_000 });
  const report = await deploy(workspace.context, version);
  const start = canaryStart(report) ?? Date.now();
  await sleep(Math.max(0, start + WINDOW_MS - Date.now()));
  const samples = await load.stop();
  return { report, samples, start };
}

async function main(): Promise<void> {
  const canaryPort = await freePort();
  const blueGreenPort = await freePort();
  const canary = proofWorkspace(canaryPort);
  // The seed's approach: switch everything at once once the health check passes, no analysis.
  const blueGreen = proofWorkspace(blueGreenPort, { steps: [{ weight: 100 }] });
  const url = (port: number) => `http://127.0.0.1:${port}/`;
  const result: Record<string, unknown> = { windowMs: WINDOW_MS };
  try {
    await deploy(canary.context, 'v1');
    const good = await underLoad(canary, url(canaryPort), 'v2');
    result.v2 = {
      outcome: good.report.outcome,
      requests: good.samples.length,
      failed: failed(good.samples).length,
      durationMs: Date.parse(good.report.finishedAt) - Date.parse(good.report.startedAt),
    };

    const bad = await underLoad(canary, url(canaryPort), 'v3');
    const firstBad = failed(bad.samples).find((s) => s.at >= bad.start)?.at;
    const rollback = bad.report.rollback;
    const inWindow = between(bad.samples, bad.start, bad.start + WINDOW_MS);
    result.v3 = {
      outcome: bad.report.outcome,
      reason: bad.report.failure?.reason,
      canaryWeight: bad.report.traffic.find((t) => t.weight > 0)?.weight,
      badMetricToVerdictMs: firstBad && rollback ? Date.parse(rollback.failureSeenAt) - firstBad : null,
      verdictToFullRollbackMs: rollback ? Date.parse(rollback.completedAt) - Date.parse(rollback.failureSeenAt) : null,
      badMetricToFullRollbackMs: firstBad && rollback ? Date.parse(rollback.completedAt) - firstBad : null,
      canaryStepRequests: between(bad.samples, bad.start, Date.parse(rollback?.completedAt ?? '')).length,
      canaryStepFailed: failed(between(bad.samples, bad.start, Date.parse(rollback?.completedAt ?? ''))).length,
      windowRequests: inWindow.length,
      windowFailed: failed(inWindow).length,
    };

    const unhealthy = await underLoad(canary, url(canaryPort), 'v4');
    result.v4 = {
      outcome: unhealthy.report.outcome,
      phase: unhealthy.report.failure?.phase,
      requests: unhealthy.samples.length,
      failed: failed(unhealthy.samples).length,
      servedByV4: unhealthy.samples.filter((s) => s.release === 'v4').length,
    };

    process.env.FIXTURE_BACKUP_FAIL = '1';
    const noBackup = await deploy(canary.context, 'v5');
    delete process.env.FIXTURE_BACKUP_FAIL;
    result.backup = {
      outcome: noBackup.outcome,
      phase: noBackup.failure?.phase,
      trafficChanges: noBackup.traffic.length,
      candidateStarted: noBackup.candidate !== null,
    };

    await deploy(blueGreen.context, 'v2');
    const naive = await underLoad(blueGreen, url(blueGreenPort), 'v3');
    const naiveWindow = between(naive.samples, naive.start, naive.start + WINDOW_MS);
    result.blueGreenV3 = {
      outcome: naive.report.outcome,
      windowRequests: naiveWindow.length,
      windowFailed: failed(naiveWindow).length,
    };
  } finally {
    await teardown(canary.stateDir);
    await teardown(blueGreen.stateDir);
    rmSync(canary.root, { recursive: true, force: true });
    rmSync(blueGreen.root, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

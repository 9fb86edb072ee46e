/**
 * The proof, on loopback with real HAProxy and Prometheus: deploys under a steady load,
 * a broken canary rolled back by the analysis, an unhealthy release that never gets traffic, a
 * failing backup that stops everything, and a manual rollback.
 */
import { rmSync } from 'node:fs';
import { between, failed, startLoad, type Load } from './load';
import { canaryStart, deploy, proofWorkspace, rollback, teardown } from './proof/scenario';
import { executorTools, resolveTool } from '@customercare/nx-core';
import { freePort } from '@customercare/nx-core';

// Not a skip: the proof is the point of the deploy target. Missing, either fails here with the fix.
for (const tool of ['haproxy', 'prometheus']) resolveTool(tool, executorTools());

async function releasesServing(url: string, count = 40): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add((await fetch(url)).headers.get('x-release') ?? '');
  return seen;
}

describe('deploy on loopback (local provider: HAProxy + Prometheus)', () => {
  let workspace: ReturnType<typeof proofWorkspace>;
  let url: string;
  let load: Load | undefined;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    workspace = proofWorkspace(port);
  });

  afterEach(async () => {
    await load?.stop();
    load = undefined;
  });

  afterAll(async () => {
    await teardown(workspace.stateDir);
    rmSync(workspace.root, { recursive: true, force: true });
  });

  it('deploys v1 as the first release', async () => {
    const report = await deploy(workspace.context, 'v1');
    expect(report.outcome).toBe('promoted');
    expect(report.phases.map((p) => p.phase)).toEqual([
      'preflight',
      'record stable',
      'backup',
      'deploy candidate',
      'health',
      'smoke',
      'promote',
      'health after promote',
    ]);
    expect(await releasesServing(url)).toEqual(new Set(['v1']));
  });

  it('deploys v2 under a steady load with zero failed requests, then serves only v2', async () => {
    load = startLoad(url);
    const report = await deploy(workspace.context, 'v2');
    const samples = await load.stop();
    expect(report.outcome).toBe('promoted');
    expect(report.traffic.map((t) => t.weight)).toEqual([0, 10, 50, 100]);
    expect(report.analyses.every((a) => a.verdicts.at(-1)?.status === 'pass')).toBe(true);
    // The load ran through the canary: answers came while 10 % and while 50 % of the traffic went to v2.
    const changes = report.traffic.map((t) => Date.parse(t.at));
    expect(between(samples, changes[1], changes[2]).length).toBeGreaterThan(0);
    expect(between(samples, changes[2], changes[3]).length).toBeGreaterThan(0);
    expect(failed(samples)).toEqual([]);
    expect(new Set(samples.map((s) => s.release))).toEqual(new Set(['v1', 'v2']));
    expect(await releasesServing(url)).toEqual(new Set(['v2']));
  });

  it('rolls a broken v3 back to v2 on the analysis, with at most the canary share of requests failed', async () => {
    load = startLoad(url);
    const report = await deploy(workspace.context, 'v3');
    const samples = await load.stop();
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.phase).toBe('step 1: 10%');
    expect(report.failure?.reason).toMatch(
      /canary analysis failed: error ratio \d+\.\d+% \(\d+\/\d+\) is above 1\.00%/,
    );
    expect(report.traffic.map((t) => t.weight)).toEqual([0, 10, 0]);
    expect(report.rollback).toMatchObject({ to: 'v2', healthy: true });

    const start = canaryStart(report) as number;
    const end = Date.parse(report.rollback?.completedAt as string);
    const duringCanary = between(samples, start, end);
    const failures = failed(duringCanary);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length / duringCanary.length).toBeLessThanOrEqual(0.1);
    expect(failed(samples).every((s) => s.at >= start && s.at <= end + 1_000)).toBe(true);
    expect(await releasesServing(url)).toEqual(new Set(['v2']));
  });

  it('never sends traffic to a v4 whose health check fails', async () => {
    load = startLoad(url);
    const report = await deploy(workspace.context, 'v4');
    const samples = await load.stop();
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure).toMatchObject({ phase: 'health' });
    expect(report.failure?.reason).toMatch(
      /health \/health on the candidate: not healthy after 3000 ms; last answer: HTTP 503/,
    );
    expect(report.traffic.map((t) => t.weight)).toEqual([0, 0]);
    expect(samples.some((s) => s.release === 'v4')).toBe(false);
    expect(failed(samples)).toEqual([]);
  });

  it('stops before any traffic moves when the backup fails', async () => {
    process.env.FIXTURE_BACKUP_FAIL = '1';
    try {
      const report = await deploy(workspace.context, 'v5');
      expect(report.outcome).toBe('aborted');
      expect(report.failure?.phase).toBe('backup');
      expect(report.failure?.reason).toMatch(
        /backup exited 2, so nothing was deployed: backup failed: could not connect to the database/,
      );
      expect(report.candidate).toBeNull();
      expect(report.traffic).toEqual([]);
    } finally {
      delete process.env.FIXTURE_BACKUP_FAIL;
    }
    expect(await releasesServing(url)).toEqual(new Set(['v2']));
  });

  it('rolls back by hand to v1, which no longer runs, under load without failed requests', async () => {
    load = startLoad(url);
    const report = await rollback(workspace.context, 'v1');
    const samples = await load.stop();
    expect(report.outcome).toBe('rolled-back');
    expect(failed(samples)).toEqual([]);
    expect(await releasesServing(url)).toEqual(new Set(['v1']));
  });
});

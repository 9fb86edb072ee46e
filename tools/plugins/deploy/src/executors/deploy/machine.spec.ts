import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { loadSlo } from '@customercare/nx-monitoring/lib';
import type { PromQuery } from './analysis';
import { resolveEnvironment, type EnvironmentConfig, type RawDeployConfig } from './config';
import { runDeploy, runRollback } from './machine';
import type { Provider, ProviderContext, Release } from './providers/provider';

const GATES = {
  coverage: { min: 80 },
  security: { grade: 'A' as const },
  perf: { p95Ms: 500, p99Ms: 1000, errorRate: 0.01, minThroughputRps: 1 },
};

/** The backend's SLO file: the analysis reads the release-level rules generated from it. */
const SLO = {
  file: 'apps/backend/monitoring/slo.yml',
  window: '5s',
  spec: loadSlo(join(__dirname, '..', '..', '..', '..', '..', '..', 'apps/backend/monitoring/slo.yml')),
};

/** Releases are tiny HTTP servers: a healthy one answers 200, an unhealthy one 503. */
let servers: Server[];
let base: string;
let unhealthy: string;
beforeAll(async () => {
  servers = [200, 503].map((status) => createServer((_req, res) => res.writeHead(status).end('release')));
  const urls = await Promise.all(
    servers.map(
      (server) =>
        new Promise<string>((resolve) =>
          server.listen(0, '127.0.0.1', () =>
            resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`),
          ),
        ),
    ),
  );
  [base, unhealthy] = urls;
});
afterAll(() => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))));

function environment(overrides: Partial<RawDeployConfig['environments'][string]> = {}) {
  const raw: RawDeployConfig = {
    service: 'svc',
    backup: { command: ['true'] },
    health: { paths: ['/health'], timeout: '300ms' },
    smoke: [{ path: '/', contains: 'release' }],
    environments: {
      staging: {
        provider: 'local',
        url: undefined,
        local: { command: ['x'] },
        steps: [{ weight: 10, pause: '50ms' }, { weight: 100 }],
        analysis: { interval: '10ms', minSamples: 10 },
        ...overrides,
      },
    },
  };
  return { ...resolveEnvironment(raw, 'staging', GATES, 'svc/deploy.yml'), slo: SLO };
}

/** A provider that records every call; `fail` makes one method throw. */
function fakeProvider(
  options: { stable?: Release | null; candidateUrl?: string; fail?: string; weighted?: boolean } = {},
) {
  const calls: string[] = [];
  const step = (name: string) => {
    calls.push(name);
    if (options.fail === name.split(' ')[0]) throw new Error(`${name.split(' ')[0]} exploded`);
  };
  const provider: Provider = {
    name: 'fake',
    weightedTraffic: options.weighted ?? true,
    secrets: () => [],
    backupEnv: () => ({}),
    plan: () => [],
    preflight: async () => step('preflight'),
    current: async () => (
      step('current'),
      options.stable === undefined ? { version: 'v1', id: 'blue', url: base } : options.stable
    ),
    deployCandidate: async (_c, version) => (
      step(`deployCandidate ${version}`),
      { version, id: 'green', url: options.candidateUrl ?? base }
    ),
    setTraffic: async (_c, _s, _cand, weight) => step(`setTraffic ${weight}`),
    promote: async () => step('promote'),
    rollback: async (_c, to, from) => step(`rollback ${to?.version ?? 'none'} ${from?.version ?? 'none'}`),
    history: async () => (
      step('history'),
      [
        { version: 'v2', id: 'h' },
        { version: 'v1', id: 'h' },
      ]
    ),
    metrics: (_c, release) => ({ prometheus: 'http://prometheus', appSelector: `release="${release.version}"` }),
  };
  return { provider, calls };
}

function ctxOf(env: EnvironmentConfig): ProviderContext {
  return {
    workspaceRoot: '/ws',
    projectRoot: 'svc',
    project: 'svc',
    env,
    run: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    log: () => undefined,
  };
}

/** Prometheus answers: requests, errors and p95 (seconds) for the candidate, by query shape. */
function prometheus(values: { requests: number | null; errors: number | null; p95: number | null }): PromQuery {
  return async (_url, expr) =>
    expr.startsWith('histogram_quantile')
      ? values.p95
      : expr.includes('http_request_errors')
        ? values.errors
        : values.requests;
}

const healthy = prometheus({ requests: 100, errors: 0, p95: 0.05 });

describe('runDeploy', () => {
  it('stops in preflight, before the backup, when the stable release has no series at the configured endpoint', async () => {
    const { provider, calls } = fakeProvider();
    const env = environment({ analysis: { interval: '10ms', minSamples: 10, prometheus: 'http://gmp' } });
    const asked: string[] = [];
    const empty: PromQuery = async (_url, expr) => (asked.push(expr), expr === 'vector(1)' ? 1 : null);
    const report = await runDeploy({ provider, ctx: ctxOf(env), backup: async () => 'ok', query: empty }, 'v2');
    expect(report.outcome).toBe('aborted');
    expect(report.failure?.phase).toBe('preflight');
    expect(report.failure?.reason).toMatch(
      /^the canary's request count for the stable release v1 \(release="v1"\) has no series at http:\/\/prometheus over the last 10 minutes/,
    );
    expect(calls).toEqual(['preflight', 'current']);
    // Rules evaluated there: the recorded series, then the rule inlined to tell which piece is missing.
    expect(asked.slice(1).map((q) => q.includes('release:http_requests:rate5s'))).toEqual([true, false]);

    // With series there, the stable release read in preflight is the one recorded: current is read once.
    const ok = fakeProvider();
    const measured: PromQuery = async (url, expr) => (expr === 'vector(1)' ? 1 : healthy(url, expr));
    const passed = await runDeploy(
      { provider: ok.provider, ctx: ctxOf(env), backup: async () => 'ok', query: measured },
      'v2',
    );
    expect(passed.outcome).toBe('promoted');
    expect(passed.stable?.version).toBe('v1');
    expect(ok.calls.filter((c) => c === 'current')).toEqual(['current']);
  });

  it('goes stable -> backup -> candidate -> health -> smoke -> steps -> promote', async () => {
    const { provider, calls } = fakeProvider();
    const backup = jest.fn(async () => 'backup written');
    const report = await runDeploy({ provider, ctx: ctxOf(environment()), backup, query: healthy }, 'v2');
    expect(report.outcome).toBe('promoted');
    expect(backup).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(['preflight', 'current', 'deployCandidate v2', 'setTraffic 10', 'setTraffic 100', 'promote']);
    expect(report.phases.map((p) => `${p.phase}:${p.status}`)).toEqual([
      'preflight:ok',
      'record stable:ok',
      'backup:ok',
      'deploy candidate:ok',
      'health:ok',
      'smoke:ok',
      'step 1: 10%:ok',
      'step 2: 100%:ok',
      'promote:ok',
    ]);
    expect(report.analyses[0].verdicts.at(-1)?.status).toBe('pass');
  });

  it('aborts before anything changes when the backup fails', async () => {
    const { provider, calls } = fakeProvider();
    const backup = async () =>
      Promise.reject(new Error('backup exited 2, so nothing was deployed: connection refused'));
    const report = await runDeploy({ provider, ctx: ctxOf(environment()), backup, query: healthy }, 'v2');
    expect(report.outcome).toBe('aborted');
    expect(report.failure).toEqual({
      phase: 'backup',
      reason: 'backup exited 2, so nothing was deployed: connection refused',
    });
    expect(calls).toEqual(['preflight', 'current']);
  });

  it('skips the backup of a first deploy only when the config says so', async () => {
    const raw = { command: ['backup'], onFirstDeploy: 'skip' as const, timeoutMs: 1000 };
    const backup = jest.fn(async () => 'backup written');
    const first = fakeProvider({ stable: null });
    const report = await runDeploy(
      { provider: first.provider, ctx: ctxOf({ ...environment(), backup: raw }), backup, query: healthy },
      'v1',
    );
    expect(report.outcome).toBe('promoted');
    expect(report.phases[2]).toMatchObject({
      phase: 'backup',
      status: 'ok',
      detail: 'skipped: first deploy, no data to protect (backup.onFirstDeploy: skip)',
    });
    expect(backup).not.toHaveBeenCalled();
    const next = fakeProvider();
    await runDeploy(
      { provider: next.provider, ctx: ctxOf({ ...environment(), backup: raw }), backup, query: healthy },
      'v2',
    );
    expect(backup).toHaveBeenCalledTimes(1);
  });

  it('runs the synthetic load through the traffic steps and reports it', async () => {
    const { provider } = fakeProvider();
    const stop = jest.fn(async () => [{ status: 200 }, { status: 200 }, { status: 503 }]);
    const report = await runDeploy(
      { provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy, startLoad: () => ({ stop }) },
      'v2',
    );
    expect(report.outcome).toBe('promoted');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(report.syntheticLoad).toEqual({ requests: 3, failed: 1 });
  });

  it('rolls back to the recorded stable release when the analysis fails, without waiting out the step', async () => {
    const { provider, calls } = fakeProvider();
    const env = environment({ steps: [{ weight: 10, pause: '30s' }, { weight: 100 }] });
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    const report = await runDeploy(
      {
        provider,
        ctx: ctxOf(env),
        backup: async () => 'ok',
        query: prometheus({ requests: 200, errors: 40, p95: 0.05 }),
        sleep,
      },
      'v3',
    );
    // One analysis interval (10 ms) of the 30 s pause, then the failing verdict ends the step.
    expect(slept).toEqual([10]);
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.reason).toBe('canary analysis failed: error ratio 20.00% (40/200) is above 1.00%');
    expect(calls).toEqual(['preflight', 'current', 'deployCandidate v3', 'setTraffic 10', 'rollback v1 v3']);
    expect(report.rollback).toMatchObject({ to: 'v1', healthy: true });
  });

  it("ends the health check as soon as the provider says the candidate's process ended, not after the timeout", async () => {
    const { provider, calls } = fakeProvider({ candidateUrl: unhealthy });
    let asked = 0;
    provider.exited = (_c, release) => (asked++ < 2 ? null : `${release.version}'s process (pid 42) has ended`);
    // A timeout no test waits for: only the provider's answer can end the wait.
    const ctx = ctxOf({ ...environment(), health: { paths: ['/health'], timeoutMs: 600_000 } });
    const report = await runDeploy({ provider, ctx, backup: async () => 'ok', query: healthy }, 'v3');
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.reason).toBe(
      "health /health on the candidate: exited before it became healthy (last answer: HTTP 503: release): v3's process (pid 42) has ended",
    );
    expect(asked).toBe(3);
    expect(calls.at(-1)).toBe('rollback v1 v3');
  });

  it('treats no data as inconclusive, and an inconclusive step as a failure', async () => {
    const { provider, calls } = fakeProvider();
    const report = await runDeploy(
      {
        provider,
        ctx: ctxOf(environment()),
        backup: async () => 'ok',
        query: prometheus({ requests: null, errors: null, p95: null }),
      },
      'v2',
    );
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.reason).toMatch(
      /^canary analysis was inconclusive at the end of the step: only 0 requests reached the candidate/,
    );
    expect(calls.at(-1)).toBe('rollback v1 v2');
  });

  it('fails the analysis on p95 latency above the gate', async () => {
    const { provider } = fakeProvider();
    const report = await runDeploy(
      {
        provider,
        ctx: ctxOf(environment()),
        backup: async () => 'ok',
        query: prometheus({ requests: 500, errors: 0, p95: 0.9 }),
      },
      'v2',
    );
    expect(report.failure?.reason).toBe('canary analysis failed: p95 latency 900.0 ms is above 500 ms');
  });

  it('never gives traffic to a candidate whose health check fails', async () => {
    const { provider, calls } = fakeProvider({ candidateUrl: unhealthy });
    const report = await runDeploy(
      { provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy },
      'v4',
    );
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.phase).toBe('health');
    expect(report.failure?.reason).toMatch(
      /^health \/health on the candidate: not healthy after 300 ms; last answer: HTTP 503/,
    );
    expect(report.probes.at(-1)).toMatchObject({
      check: 'health /health (after rollback)',
      url: `${base}/health`,
      passed: true,
    });
    expect(calls.filter((c) => c.startsWith('setTraffic'))).toEqual([]);
  });

  it('rolls back when a provider call fails, and reports a rollback that fails too', async () => {
    const one = fakeProvider({ fail: 'setTraffic' });
    const report = await runDeploy(
      { provider: one.provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy },
      'v2',
    );
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure).toEqual({ phase: 'step 1: 10%', reason: 'setTraffic exploded' });

    const two = fakeProvider({ fail: 'rollback', candidateUrl: unhealthy });
    const broken = await runDeploy(
      { provider: two.provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy },
      'v2',
    );
    expect(broken.outcome).toBe('rollback-failed');
    expect(broken.rollback?.detail).toBe('rollback failed: rollback exploded');
  });

  it('reports a rollback whose restored release is not healthy as rollback-failed', async () => {
    const { provider } = fakeProvider({
      stable: { version: 'v1', id: 'blue', url: unhealthy },
      candidateUrl: unhealthy,
    });
    const report = await runDeploy(
      { provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy },
      'v2',
    );
    expect(report.outcome).toBe('rollback-failed');
    expect(report.rollback).toMatchObject({
      to: 'v1',
      healthy: false,
      detail: 'all traffic on v1, which is NOT healthy',
    });
  });

  it('removes a failed first release (there is nothing to roll back to)', async () => {
    const { provider, calls } = fakeProvider({ stable: null, candidateUrl: unhealthy });
    const report = await runDeploy(
      { provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy },
      'v1',
    );
    expect(report.outcome).toBe('rolled-back');
    expect(calls.at(-1)).toBe('rollback none v1');
    expect(report.rollback?.detail).toBe('candidate removed; there was no earlier release');
  });

  it('refuses in preflight, before anything moves, a canary without recording rules to read', async () => {
    const { provider, calls } = fakeProvider();
    const withoutSlo = { ...environment(), slo: undefined };
    const report = await runDeploy(
      { provider, ctx: ctxOf(withoutSlo), backup: async () => 'ok', query: healthy },
      'v2',
    );
    expect(report.outcome).toBe('aborted');
    expect(report.failure).toEqual({
      phase: 'preflight',
      reason:
        'environment staging has steps with analysis, but svc/monitoring/slo.yml does not exist: the canary analysis reads the release-level recording rules generated from it (docs/plugins/monitoring.md). Add it, or set "analysis: false" on the steps.',
    });
    // Rules that drop a label the provider selects releases by would find no candidate series.
    const slotless = { ...environment(), slo: { ...SLO, spec: { ...SLO.spec, releases: { labels: ['slot'] } } } };
    const refused = await runDeploy({ provider, ctx: ctxOf(slotless), backup: async () => 'ok', query: healthy }, 'v2');
    expect(refused.failure?.reason).toBe(
      'the canary selects a release by release, which the release-level recording rules of backend do not keep (releases.labels: slot). Add release to releases.labels in apps/backend/monitoring/slo.yml.',
    );
    expect(calls).toEqual(['preflight', 'preflight']);
  });

  it('switches 0 -> 100 in one step (blue-green) when the provider has no weighted traffic', async () => {
    const { provider, calls } = fakeProvider({ weighted: false });
    const report = await runDeploy(
      { provider, ctx: ctxOf(environment()), backup: async () => 'ok', query: healthy },
      'v2',
    );
    expect(report.outcome).toBe('promoted');
    expect(calls.filter((c) => c.startsWith('setTraffic'))).toEqual(['setTraffic 100']);
  });
});

describe('runDeploy interrupted', () => {
  it('rolls back when the deploy is interrupted (Ctrl-C, a cancelled job) in the middle of a step', async () => {
    const { provider, calls } = fakeProvider();
    const env = environment({ steps: [{ weight: 10, pause: '30s' }, { weight: 100 }] });
    // The signal comes while the step waits, and that wait never ends by itself: only the
    // interruption can end the step, so the deploy returning at all shows it did not wait it out.
    const sleep = () => {
      (process as NodeJS.EventEmitter).emit('SIGUSR2', 'SIGUSR2');
      return new Promise<void>(() => undefined);
    };
    const report = await runDeploy(
      {
        provider,
        ctx: ctxOf(env),
        backup: async () => 'ok',
        query: prometheus({ requests: 1, errors: 0, p95: 0.01 }),
        interruptOn: ['SIGUSR2'],
        sleep,
      },
      'v2',
    );
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure).toEqual({ phase: 'step 1: 10%', reason: 'interrupted by SIGUSR2' });
    expect(calls.at(-1)).toBe('rollback v1 v2');
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });
});

describe('runRollback', () => {
  it('returns to the release before the current one by default', async () => {
    const { provider, calls } = fakeProvider({ stable: { version: 'v2', id: 'blue' } });
    const report = await runRollback({ provider, ctx: ctxOf(environment()) }, undefined);
    expect(report.outcome).toBe('rolled-back');
    expect(calls).toEqual(['preflight', 'current', 'history', 'rollback v1 v2']);
  });

  it('names the known releases when asked for one it does not know', async () => {
    const { provider } = fakeProvider({ stable: { version: 'v2', id: 'blue' } });
    const report = await runRollback({ provider, ctx: ctxOf(environment()) }, 'v9');
    expect(report.outcome).toBe('rollback-failed');
    expect(report.failure?.reason).toBe('release v9 is not in the history of svc in staging (known: v2, v1).');
  });
});

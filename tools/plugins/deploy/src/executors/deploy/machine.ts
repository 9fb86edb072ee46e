import { analyse, analysisQueries, type PromQuery, type Verdict } from './analysis';
import type { DataKeeper, DataRestore } from './data';
import { checkPrometheusReachable, checkRunnerSecrets, checkStableSeries } from './preflight';
import { runSmokeTests, waitHealthy, type ProbeResult } from './probes';
import type { Provider, ProviderContext, Release } from './providers/provider';
import { SLO_FILE, type DeploySlo } from './slo';

export type Outcome = 'promoted' | 'rolled-back' | 'aborted' | 'rollback-failed' | 'failed';

export interface PhaseRecord {
  phase: string;
  status: 'ok' | 'failed';
  startedAt: string;
  durationMs: number;
  detail?: string;
}

export interface StepAnalysis {
  step: number;
  weight: number;
  verdicts: Array<Verdict & { at: string }>;
}

export interface DeployReport {
  kind: 'deploy' | 'rollback';
  project: string;
  environment: string;
  provider: string;
  version: string;
  outcome: Outcome;
  startedAt: string;
  finishedAt: string;
  stable: Release | null;
  candidate: Release | null;
  phases: PhaseRecord[];
  probes: ProbeResult[];
  analyses: StepAnalysis[];
  /** The synthetic load sent during the traffic steps, when the environment asks for one. */
  syntheticLoad?: { requests: number; failed: number };
  /** Traffic weights the candidate had, in order, with when each was set. */
  traffic: Array<{ at: string; weight: number }>;
  failure?: { phase: string; reason: string };
  /** The schema the promoted release runs on, and what a rollback did about the data (rollback.restoreData). */
  data?: { schema?: string; restore?: DataRestore };
  /** When the first failing verdict (or failed check) was seen, and when traffic was fully back on the stable release. */
  rollback?: { to: string | null; failureSeenAt: string; completedAt: string; healthy: boolean; detail: string };
}

export interface MachineDeps {
  provider: Provider;
  ctx: ProviderContext;
  /** Runs the service's backup command while `stable` serves; resolves with what it said, rejects when it failed. */
  backup?: (stable: Release | null) => Promise<string>;
  /** Records the schema of promoted releases and restores data for rollbacks (absent: data is left alone). */
  data?: Pick<DataKeeper, 'promoted' | 'restoreFor'>;
  /** Starts the configured synthetic load (local provider) for the traffic steps. */
  startLoad?: () => { stop(): Promise<Array<{ status: number }>> };
  query: PromQuery;
  sleep?: (ms: number) => Promise<void>;
  /** Signals that interrupt a deploy (Ctrl-C, a cancelled CI job): it then rolls back like any failure. */
  interruptOn?: readonly NodeJS.Signals[];
}

/** A failure of one phase, with what was observed: the machine rolls back on any of these. */
export class PhaseError extends Error {
  override name = 'PhaseError';
  constructor(
    readonly phase: string,
    message: string,
  ) {
    super(message);
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Turns SIGINT/SIGTERM into a failure of the phase that is running: a deploy stopped halfway must
 * not leave the candidate holding traffic. `check()` throws once a signal came; `sleep` wakes early.
 */
function interruptions(signals: readonly NodeJS.Signals[], sleep: (ms: number) => Promise<void>) {
  let received: NodeJS.Signals | undefined;
  const wake = new Set<() => void>();
  const handler = (signal: NodeJS.Signals) => {
    received = signal;
    for (const resolve of wake) resolve();
  };
  for (const signal of signals) process.on(signal, handler);
  return {
    check(phase: string) {
      if (received) throw new PhaseError(phase, `interrupted by ${received}`);
    },
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          wake.delete(done);
          resolve();
        };
        wake.add(done);
        void sleep(ms).then(done);
      }),
    dispose() {
      for (const signal of signals) process.off(signal, handler);
    },
  };
}
const iso = () => new Date().toISOString();

/** A report that says "failed" until the run proves otherwise, so no early exit reads as a success. */
function newReport(
  kind: DeployReport['kind'],
  { provider, ctx }: Pick<MachineDeps, 'provider' | 'ctx'>,
  version: string,
): DeployReport {
  return {
    kind,
    project: ctx.project,
    environment: ctx.env.name,
    provider: provider.name,
    version,
    outcome: 'failed',
    startedAt: iso(),
    finishedAt: '',
    stable: null,
    candidate: null,
    phases: [],
    probes: [],
    analyses: [],
    traffic: [],
  };
}

/**
 * The deploy state machine. Every provider goes through the same phases:
 *
 *   preflight -> record stable -> backup -> candidate at 0 % -> health + smoke -> steps
 *   (weight, pause, analysis) -> promote -> health on the public URL
 *
 * Nothing changes before the backup succeeds. From "candidate" on, any failure (a thrown provider
 * error, an unhealthy candidate, a failing or inconclusive analysis) sends all traffic back to the
 * recorded stable release, re-checks its health, and ends with a non-zero outcome and the report.
 * Blue-green is the steps [100] case; a provider without weighted traffic gets exactly that.
 */
export async function runDeploy(deps: MachineDeps, version: string): Promise<DeployReport> {
  const interrupt = interruptions(deps.interruptOn ?? ['SIGINT', 'SIGTERM'], deps.sleep ?? realSleep);
  try {
    return await deployWith(deps, version, interrupt);
  } finally {
    interrupt.dispose();
  }
}

async function deployWith(
  deps: MachineDeps,
  version: string,
  interrupt: ReturnType<typeof interruptions>,
): Promise<DeployReport> {
  const { provider, ctx } = deps;
  const sleep = interrupt.sleep;
  const report = newReport('deploy', deps, version);
  const phase = async <T>(name: string, work: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
    const startedAt = iso();
    const start = Date.now();
    ctx.log(`[deploy] ${name}...`);
    try {
      interrupt.check(name);
      const value = await work();
      interrupt.check(name);
      report.phases.push({
        phase: name,
        status: 'ok',
        startedAt,
        durationMs: Date.now() - start,
        detail: detail?.(value),
      });
      return value;
    } catch (error) {
      const reason = (error as Error).message;
      report.phases.push({ phase: name, status: 'failed', startedAt, durationMs: Date.now() - start, detail: reason });
      throw error instanceof PhaseError ? error : new PhaseError(name, reason);
    }
  };
  const finish = (outcome: Outcome) => {
    report.outcome = outcome;
    report.finishedAt = iso();
    return report;
  };

  // Nothing has changed until the candidate exists: a failure here aborts without a rollback.
  try {
    const seen = await phase('preflight', async () => {
      checkRunnerSecrets(ctx.env);
      await provider.preflight(ctx);
      checkAnalysisConfigured(deps, ctx);
      await checkPrometheusReachable(ctx.env, deps.query);
      return checkStableMeasurable(deps, ctx);
    });
    // Reading the stable release changes nothing, and tells the backup whether there is data yet.
    report.stable = await phase(
      'record stable',
      async () => (seen === undefined ? provider.current(ctx) : seen),
      (r) => (r ? `${r.version} (${r.id})` : 'none: first deploy'),
    );
    const backup = ctx.env.backup;
    if (backup && !report.stable && backup.onFirstDeploy === 'skip') {
      report.phases.push({
        phase: 'backup',
        status: 'ok',
        startedAt: iso(),
        durationMs: 0,
        detail: 'skipped: first deploy, no data to protect (backup.onFirstDeploy: skip)',
      });
    } else if (backup) {
      const runBackup = deps.backup;
      if (!runBackup)
        throw new PhaseError('backup', 'the environment asks for a backup but no backup runner was given');
      await phase(
        'backup',
        () => runBackup(report.stable),
        (said) => said,
      );
    }
  } catch (error) {
    report.failure = failureOf(error);
    return finish('aborted');
  }

  const stable = report.stable;
  let failureSeenAt = '';
  try {
    const candidate = await phase(
      'deploy candidate',
      () => provider.deployCandidate(ctx, version, stable),
      (r) => `${r.id} at ${r.url ?? '(no direct URL)'}`,
    );
    report.candidate = candidate;
    report.traffic.push({ at: iso(), weight: stable ? 0 : 100 });
    await phase('health', async () => {
      if (!candidate.url)
        throw new Error(`provider ${provider.name} gave no URL for the candidate, so its health cannot be checked`);
      const exited = provider.exited?.bind(provider);
      const results = await waitHealthy(
        candidate.url,
        ctx.env.health.paths,
        ctx.env.health.timeoutMs,
        undefined,
        exited ? () => exited(ctx, candidate) : undefined,
      );
      report.probes.push(...results);
      const failed = results.find((r) => !r.passed);
      if (failed) throw new Error(`${failed.check} on the candidate: ${failed.detail}`);
    });
    await phase('smoke', async () => {
      const results = await runSmokeTests(candidate.url as string, ctx.env.smoke);
      report.probes.push(...results);
      const failed = results.filter((r) => !r.passed);
      if (failed.length) throw new Error(failed.map((r) => `${r.check}: ${r.detail}`).join('; '));
    });

    if (stable) {
      const steps = provider.weightedTraffic ? ctx.env.steps : [{ weight: 100, pauseMs: 0, analysis: false }];
      const load = deps.startLoad?.();
      try {
        for (const [index, step] of steps.entries()) {
          await phase(`step ${index + 1}: ${step.weight}%`, async () => {
            await provider.setTraffic(ctx, stable, candidate, step.weight);
            report.traffic.push({ at: iso(), weight: step.weight });
            await holdStep(
              deps,
              sleep,
              report,
              index + 1,
              step,
              stable,
              candidate,
              (at) => (failureSeenAt = at),
              interrupt.check,
            );
          });
        }
      } finally {
        const samples = await load?.stop();
        if (samples)
          report.syntheticLoad = {
            requests: samples.length,
            failed: samples.filter((s) => s.status === 0 || s.status >= 500).length,
          };
      }
    }
    await phase('promote', () => provider.promote(ctx, stable, candidate));
    if (ctx.env.url) await phase('health after promote', () => checkPublicHealth(ctx, report));
    await recordSchema(deps, report, version);
    return finish('promoted');
  } catch (error) {
    report.failure = failureOf(error);
    failureSeenAt ||= iso();
    ctx.log(`[deploy] ${report.failure.phase} failed: ${report.failure.reason}`);
    ctx.log(
      stable
        ? `[deploy] rolling back to ${stable.version} (${stable.id})`
        : '[deploy] first deploy failed: removing the candidate',
    );
    try {
      await provider.rollback(ctx, stable, report.candidate);
      report.traffic.push({ at: iso(), weight: 0 });
      // The candidate is gone, so nothing migrates the database again: put the stable release's data back.
      const restore = stable && deps.data ? await restoreData(deps.data, report, stable.version) : undefined;
      const healthy = stable ? await checkHealthAfterRollback(ctx, report, stable) : true;
      if (restore?.status === 'failed') {
        report.rollback = {
          to: stable?.version ?? null,
          failureSeenAt,
          completedAt: iso(),
          healthy,
          detail: `traffic is back on ${stable?.version}, but its data was NOT restored: ${restore.detail}`,
        };
        return finish('rollback-failed');
      }
      report.rollback = {
        to: stable?.version ?? null,
        failureSeenAt,
        completedAt: iso(),
        healthy,
        detail: stable
          ? `all traffic on ${stable.version}${healthy ? ', healthy' : ', which is NOT healthy'}`
          : 'candidate removed; there was no earlier release',
      };
      return finish(healthy ? 'rolled-back' : 'rollback-failed');
    } catch (rollbackError) {
      report.rollback = {
        to: stable?.version ?? null,
        failureSeenAt,
        completedAt: iso(),
        healthy: false,
        detail: `rollback failed: ${(rollbackError as Error).message}`,
      };
      return finish('rollback-failed');
    }
  }
}

/** A manual rollback: all traffic to `version` (or the previous release), then health on the public URL. */
export async function runRollback(
  deps: Pick<MachineDeps, 'provider' | 'ctx' | 'data'>,
  version: string | undefined,
): Promise<DeployReport> {
  const { provider, ctx } = deps;
  const report = newReport('rollback', deps, version ?? '(previous)');
  const started = iso();
  try {
    await provider.preflight(ctx);
    const current = await provider.current(ctx);
    const history = await provider.history(ctx);
    const target =
      (version
        ? history.find((r) => r.version === version || r.id === version)
        : history.find((r) => r.version !== current?.version && r.id !== current?.id)) ??
      (version && provider.resolve ? await provider.resolve(ctx, version) : undefined);
    if (!target) {
      const known = history.map((r) => r.version).join(', ') || 'none';
      throw new PhaseError(
        'rollback',
        `${version ? `release ${version} is not in the history` : 'there is no earlier release'} of ${ctx.project} in ${ctx.env.name} (known: ${known}).`,
      );
    }
    report.version = target.version;
    report.stable = current;
    ctx.log(`[rollback] ${current?.version ?? 'nothing'} -> ${target.version}`);
    // Before traffic moves: the release returned to may not even start on a newer schema.
    if (deps.data) {
      const restore = await restoreData(deps.data, report, target.version);
      if (restore.status === 'failed') throw new PhaseError('restore data', `${restore.detail}; traffic did not move`);
    }
    await provider.rollback(ctx, target, current);
    const healthy = ctx.env.url
      ? await checkPublicHealth(ctx, report).then(
          () => true,
          () => false,
        )
      : true;
    report.rollback = {
      to: target.version,
      failureSeenAt: started,
      completedAt: iso(),
      healthy,
      detail: `all traffic on ${target.version}`,
    };
    report.outcome = healthy ? 'rolled-back' : 'rollback-failed';
  } catch (error) {
    report.failure = failureOf(error);
    report.outcome = 'rollback-failed';
  }
  report.finishedAt = iso();
  return report;
}

/** The schema the promoted release runs on; a failure to read it is reported, never a reason to roll back. */
async function recordSchema(deps: MachineDeps, report: DeployReport, version: string): Promise<void> {
  if (!deps.data) return;
  try {
    const schema = await deps.data.promoted(version);
    if (schema) report.data = { ...report.data, schema };
  } catch (error) {
    report.data = { ...report.data, schema: `unknown (${(error as Error).message})` };
    deps.ctx.log(`[deploy] could not record the schema of ${version}: ${(error as Error).message}`);
  }
}

async function restoreData(
  data: NonNullable<MachineDeps['data']>,
  report: DeployReport,
  target: string,
): Promise<DataRestore> {
  const restore = await data
    .restoreFor(target)
    .catch((error: Error): DataRestore => ({ status: 'failed', detail: `the restore failed: ${error.message}` }));
  report.data = { ...report.data, restore };
  return restore;
}

const wantsAnalysis = (deps: MachineDeps, ctx: ProviderContext) =>
  ctx.env.steps.some((s) => s.analysis && s.pauseMs > 0) && deps.provider.weightedTraffic;

function checkAnalysisConfigured(deps: MachineDeps, ctx: ProviderContext): void {
  const probe: Release = { version: 'probe', id: 'probe' };
  if (!wantsAnalysis(deps, ctx)) return;
  const target = deps.provider.metrics(ctx, probe);
  if (!target) {
    throw new Error(
      `environment ${ctx.env.name} has steps with analysis but no metrics source: set environments.${ctx.env.name}.analysis.prometheus ` +
        `to a Prometheus that scrapes the service, or set "analysis: false" on the steps (then only health and smoke tests gate the deploy).`,
    );
  }
  // Before anything moves: the rules must keep the labels this provider selects a release by.
  analysisQueries(target, analysisSlo(ctx), 1, ctx.env.analysis);
}

/**
 * On a configured endpoint (analysis.prometheus: not the local provider's own Prometheus, which
 * starts with the environment), the release serving now must already have the series the canary
 * reads (checkStableSeries). Returns the stable release it read, for `record stable`; undefined
 * when there is nothing to check.
 */
async function checkStableMeasurable(deps: MachineDeps, ctx: ProviderContext): Promise<Release | null | undefined> {
  if (!ctx.env.analysis.prometheus || !wantsAnalysis(deps, ctx)) return undefined;
  const stable = await deps.provider.current(ctx);
  // A first deploy: no release has served, so no series are expected yet.
  const target = stable ? deps.provider.metrics(ctx, stable) : undefined;
  if (stable && target) await checkStableSeries(ctx.env, deps.query, target, stable.version, analysisSlo(ctx));
  return stable;
}

/** The SLO file whose release-level recording rules the analysis reads. */
function analysisSlo(ctx: ProviderContext): DeploySlo {
  if (ctx.env.slo) return ctx.env.slo;
  throw new Error(
    `environment ${ctx.env.name} has steps with analysis, but ${ctx.projectRoot}/${SLO_FILE} does not exist: the canary analysis reads ` +
      `the release-level recording rules generated from it (docs/plugins/monitoring.md). Add it, or set "analysis: false" on the steps.`,
  );
}

async function holdStep(
  deps: MachineDeps,
  sleep: (ms: number) => Promise<void>,
  report: DeployReport,
  index: number,
  step: { weight: number; pauseMs: number; analysis: boolean },
  stable: Release,
  candidate: Release,
  onBadMetric: (at: string) => void,
  checkInterrupted: (phase: string) => void,
): Promise<void> {
  const { ctx, provider } = deps;
  if (step.pauseMs === 0) return;
  const target = step.analysis ? provider.metrics(ctx, candidate) : undefined;
  if (!target) return sleep(step.pauseMs);
  const record: StepAnalysis = { step: index, weight: step.weight, verdicts: [] };
  report.analyses.push(record);
  const stableTarget = step.weight < 100 ? provider.metrics(ctx, stable) : undefined;
  const minWindow = Math.ceil((3 * ctx.env.local.scrapeIntervalMs) / 1000);
  const start = Date.now();
  let verdict: Verdict | undefined;
  for (;;) {
    const remaining = step.pauseMs - (Date.now() - start);
    if (remaining <= 0 && verdict) break;
    await sleep(Math.max(0, Math.min(ctx.env.analysis.intervalMs, remaining)));
    checkInterrupted(`step ${index}: ${step.weight}%`);
    const windowSeconds = Math.max(minWindow, Math.ceil((Date.now() - start) / 1000));
    verdict = await analyse(deps.query, target, stableTarget, analysisSlo(ctx), ctx.env.analysis, windowSeconds);
    record.verdicts.push({ ...verdict, at: iso() });
    ctx.log(`[deploy] analysis at ${step.weight}%: ${verdict.status} (${describe(verdict)})`);
    if (verdict.status === 'fail') {
      onBadMetric(iso());
      throw new PhaseError(`step ${index}: ${step.weight}%`, `canary analysis failed: ${verdict.reasons.join('; ')}`);
    }
  }
  if (verdict.status !== 'pass') {
    throw new PhaseError(
      `step ${index}: ${step.weight}%`,
      `canary analysis was ${verdict.status} at the end of the step: ${verdict.reasons.join('; ')}`,
    );
  }
}

function describe(v: Verdict): string {
  const c = v.candidate;
  const ratio = c.errorRatio === null ? 'n/a' : `${(c.errorRatio * 100).toFixed(2)}%`;
  const p95 = c.p95Ms === null ? 'n/a' : `${c.p95Ms.toFixed(1)} ms`;
  return `${c.requests ?? 0} requests, errors ${ratio}, p95 ${p95} over ${v.windowSeconds}s${v.reasons.length ? `; ${v.reasons.join('; ')}` : ''}`;
}

async function checkPublicHealth(ctx: ProviderContext, report: DeployReport): Promise<void> {
  const url = ctx.env.url as string;
  const results = await waitHealthy(url, ctx.env.health.paths, ctx.env.health.timeoutMs);
  report.probes.push(...results.map((r) => ({ ...r, check: `${r.check} (public URL)` })));
  const failed = results.find((r) => !r.passed);
  if (failed) throw new Error(`${failed.check} at ${url}: ${failed.detail}`);
}

/** Health of the restored release: at the public URL when there is one, else at the release's own URL. */
async function checkHealthAfterRollback(ctx: ProviderContext, report: DeployReport, stable: Release): Promise<boolean> {
  const url = ctx.env.url ?? stable.url;
  if (!url) {
    report.probes.push({
      check: 'health after rollback',
      url: '',
      passed: false,
      detail: 'no URL to check: set the environment url',
    });
    return false;
  }
  const results = await waitHealthy(url, ctx.env.health.paths, ctx.env.health.timeoutMs);
  report.probes.push(...results.map((r) => ({ ...r, check: `${r.check} (after rollback)` })));
  return results.every((r) => r.passed);
}

function failureOf(error: unknown): { phase: string; reason: string } {
  if (error instanceof PhaseError) return { phase: error.phase, reason: error.message };
  return { phase: 'unknown', reason: (error as Error).stack ?? String(error) };
}

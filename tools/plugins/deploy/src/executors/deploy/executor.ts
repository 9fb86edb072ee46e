import { logger, type ExecutorContext } from '@nx/devkit';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gatesForProject, loadGates } from '../../gates/load';
import { formatGateLine } from '../../reports/gate-results';
import { projectOf } from '../context';
import { runBackup } from './backup';
import {
  DeployConfigError,
  findDeployConfig,
  readDeployConfig,
  resolveEnvironment,
  withWorkspaceRoot,
  type EnvironmentConfig,
} from './config';
import { startLoad } from './load';
import { queryPrometheus } from './analysis';
import { runDeploy, runRollback, type DeployReport } from './machine';
import { executableOf } from '../../process/run';
import { createRunner, redact } from './providers/cli';
import { PROVIDERS, secretsOf } from './providers';
import { argoRollout } from './providers/kubernetes';
import { stateDirOf, stopLocalEnvironment } from './providers/local';
import type { ProviderContext } from './providers/provider';
import { gateResultsOf, writeDeployReport } from './report';
import type { DeployExecutorSchema } from './schema';

export interface DeployRun {
  options: DeployExecutorSchema;
  /** Manual rollback: `to` is a version, or undefined for "the release before the current one". */
  rollback?: { to?: string };
}

function gitVersion(workspaceRoot: string): string {
  const git = spawnSync(executableOf('git'), ['rev-parse', '--short=12', 'HEAD'], {
    cwd: workspaceRoot,
    encoding: 'utf8',
  });
  if (git.status !== 0)
    throw new DeployConfigError(
      'No release to deploy: pass --release=<version>, or set DEPLOY_RELEASE, or run inside a git checkout.',
    );
  return git.stdout.trim();
}

/**
 * Environments that require approvals are deployed from cd.yml jobs bound to a protected GitHub
 * environment (GitHub holds the job until the reviewers approve); the job says so with
 * DEPLOY_APPROVED_ENVIRONMENT. Outside such a job, --approvedBy must name enough people.
 */
function checkApprovals(env: EnvironmentConfig, approvedBy: readonly string[]): void {
  if (env.approvals === 0) return;
  if (process.env.GITHUB_ACTIONS === 'true' && process.env.DEPLOY_APPROVED_ENVIRONMENT === env.name) return;
  if (new Set(approvedBy).size >= env.approvals) return;
  throw new DeployConfigError(
    `${env.name} requires ${env.approvals} approval(s) and this run has ${new Set(approvedBy).size}. Deploy through cd.yml ` +
      `(its ${env.name} job waits for the GitHub environment's reviewers), or pass --approvedBy=<name> for each approver.`,
  );
}

/** The deploy and rollback executors share everything but the state machine they run. */
export async function executeDeploy(
  run: DeployRun,
  context: ExecutorContext,
): Promise<{ success: boolean; report?: DeployReport }> {
  const { options } = run;
  const { name, root } = projectOf(context);
  const file = options.config ?? findDeployConfig(context.root, root);
  if (!file) {
    throw new DeployConfigError(
      `${name} has no deploy config: add ${root}/deploy.yml (see apps/backend/deploy.yml for an example).`,
    );
  }
  const gates = gatesForProject(loadGates(context.root, options.gatesFile), name);
  const env = resolveEnvironment(readDeployConfig(context.root, file), options.environment, gates, file);
  const provider = PROVIDERS[env.provider];
  const secrets = secretsOf(env.provider, env.vercel.tokenEnv);
  const log = (line: string) => logger.info(redact(line, secrets));
  const ctx: ProviderContext = {
    workspaceRoot: context.root,
    projectRoot: root,
    project: name,
    env,
    run: createRunner(log, secrets),
    log,
  };
  const reportsDirectory =
    options.reportsDirectory ?? join('reports', root, run.rollback ? 'rollback' : 'deploy', env.name);
  const version = run.rollback
    ? undefined
    : (options.release ?? process.env.DEPLOY_RELEASE ?? gitVersion(context.root));

  if (options.stop) {
    if (env.provider !== 'local')
      throw new DeployConfigError(`--stop is for the local provider; ${env.name} runs on ${env.provider}.`);
    const stateDir = stateDirOf(context.root, name, env);
    await stopLocalEnvironment(stateDir, context.root);
    logger.info(
      `Stopped ${name} ${env.name}: its releases, HAProxy and Prometheus (state kept in ${relative(context.root, stateDir)}).`,
    );
    return { success: true };
  }
  if (options.dryRun) {
    // Nothing may run in a dry run: only the local provider's state file is read to name the stable slot.
    // For a manual rollback the release to return to plays the stable one's part.
    const target = run.rollback?.to
      ? { version: run.rollback.to, id: run.rollback.to, url: run.rollback.to }
      : undefined;
    const stable =
      env.provider === 'local'
        ? await provider.current(ctx)
        : (target ?? { version: '<stable>', id: '<stable-revision>', url: '<stable-url>' });
    const what = run.rollback
      ? `roll back ${name} in ${env.name} to ${run.rollback.to ?? 'the previous release'}`
      : `deploy ${name} ${version} to ${env.name}`;
    logger.info(`Dry run: ${what} with ${provider.name}; nothing is changed.`);
    if (env.backup && !run.rollback) logger.info(`  backup: ${env.backup.command.join(' ')}`);
    const plan = provider.plan(ctx, { version: version ?? run.rollback?.to ?? '<previous>', stable });
    for (const step of plan.filter((p) => !run.rollback || p.phase === 'rollback')) {
      logger.info(redact(`  ${step.phase}: ${step.argv.join(' ')}${step.note ? `   # ${step.note}` : ''}`, secrets));
    }
    if (env.provider === 'kubernetes' && !run.rollback) {
      const manifests = join(context.root, reportsDirectory, 'argo-rollout.yaml');
      mkdirSync(dirname(manifests), { recursive: true });
      writeFileSync(manifests, argoRollout(env, version ?? 'rollback'));
      logger.info(
        `  Argo Rollouts manifests (Rollout + AnalysisTemplate) for teams that run it: ${relative(context.root, manifests)}`,
      );
    }
    return { success: true };
  }
  if (!run.rollback) checkApprovals(env, options.approvedBy ?? []);

  const report = run.rollback
    ? await runRollback({ provider, ctx }, run.rollback.to)
    : await runDeploy(
        {
          provider,
          ctx,
          query: queryPrometheus,
          startLoad:
            env.analysis.syntheticLoad && env.url ? syntheticLoad(env.url, env.analysis.syntheticLoad) : undefined,
          backup: env.backup
            ? () =>
                runBackup(
                  {
                    workspaceRoot: context.root,
                    projectRoot: root,
                    command: env.backup?.command ?? [],
                    timeoutMs: env.backup?.timeoutMs ?? 600_000,
                    backupDir: join(context.root, reportsDirectory, 'backup'),
                    environment: env.name,
                    version: version as string,
                    // The backup must see the database the releases use.
                    env: env.provider === 'local' ? withWorkspaceRoot(env.local.env, context.root) : {},
                  },
                  log,
                )
            : undefined,
        },
        version as string,
      );
  const path = writeDeployReport(context.root, reportsDirectory, report);
  for (const result of gateResultsOf(report, path))
    (result.passed ? logger.info : logger.error)(redact(formatGateLine(result), secrets));
  logger.info(`Report: ${join(reportsDirectory, 'deploy-report.md')}`);
  return { success: run.rollback ? report.outcome === 'rolled-back' : report.outcome === 'promoted', report };
}

function syntheticLoad(url: string, load: NonNullable<EnvironmentConfig['analysis']['syntheticLoad']>) {
  return () =>
    startLoad(
      load.paths.map((path) => new URL(path, url).toString()),
      { concurrency: load.concurrency, gapMs: load.gapMs, maxMs: 60 * 60_000 },
    );
}

export default async function deployExecutor(
  options: DeployExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { success } = await executeDeploy(
    { options, rollback: options.rollbackTo ? { to: options.rollbackTo } : undefined },
    context,
  );
  return { success };
}

import { logger, type ExecutorContext } from '@nx/devkit';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { capture, formatGateLine, gatesForProject, loadGates, projectOf, redact } from '@customercare/nx-core';
import { prometheusQueryFor } from './analysis';
import { runBackup, runServiceCommand } from './backup';
import {
  DeployConfigError,
  findDeployConfig,
  readDeployConfig,
  resolveEnvironment,
  type EnvironmentConfig,
} from './config';
import { startLoad } from './load';
import { runDeploy, runRollback, type DeployReport } from './machine';
import { PROVIDERS } from './providers';
import { createRunner } from './providers/cli';
import type { Provider, ProviderContext, Release } from './providers/provider';
import { gateResultsOf, writeDeployReport } from './report';
import { withSlo } from './slo';
import { dataKeeper, type DataKeeper } from './data';
import { stateDirOf } from './providers/local';
import { checkRelease, ledgerFor, releaseFromManifest, type ManifestRelease } from './promote';
import type { DeployExecutorSchema } from './schema';

/** What every mode (deploy, dry run, rollback, stop) starts from: the environment, its provider and their context. */
export interface Prepared {
  name: string;
  env: EnvironmentConfig;
  provider: Provider;
  ctx: ProviderContext;
  secrets: string[];
  /** The report folder, relative to the workspace root. */
  reportsDirectory: string;
}

export interface PrepareOptions {
  environment: string;
  config?: string;
  gatesFile?: string;
  reportsDirectory?: string;
}

/** Reads the project's deploy config and resolves one environment with its provider; nothing runs yet. */
export function prepare(options: PrepareOptions, context: ExecutorContext, mode: 'deploy' | 'rollback'): Prepared {
  const { name, root } = projectOf(context);
  const file = options.config ?? findDeployConfig(context.root, root);
  if (!file) {
    throw new DeployConfigError(
      `${name} has no deploy config: add ${root}/deploy.yml (see apps/backend/deploy.yml for an example).`,
    );
  }
  const gates = gatesForProject(loadGates(context.root, options.gatesFile), name);
  const raw = readDeployConfig(context.root, file);
  const env = withSlo(resolveEnvironment(raw, options.environment, gates, file), raw, file, context.root, root);
  const provider = PROVIDERS[env.provider];
  const secrets = provider.secrets(env);
  const log = (line: string) => logger.info(redact(line, secrets));
  const ctx: ProviderContext = {
    workspaceRoot: context.root,
    projectRoot: root,
    project: name,
    env,
    run: createRunner(log, secrets),
    log,
  };
  const reportsDirectory = options.reportsDirectory ?? join('reports', root, mode, env.name);
  return { name, env, provider, ctx, secrets, reportsDirectory };
}

/** The release to ship: --release, else DEPLOY_RELEASE, else the checkout's short commit. */
export async function releaseVersion(options: { release?: string }, workspaceRoot: string): Promise<string> {
  const given = options.release ?? process.env.DEPLOY_RELEASE;
  if (given) return given;
  const fix = 'Pass --release=<version>, or set DEPLOY_RELEASE, or run inside a git checkout.';
  const git = await capture(
    { label: 'git rev-parse', command: 'git', args: ['rev-parse', '--short=12', 'HEAD'], cwd: workspaceRoot },
    fix,
  );
  if (git.exitCode !== 0) throw new DeployConfigError(`No release to deploy: ${fix}`);
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

/** Writes the report and prints its gate lines; the outcome decides success. */
function finish(
  prepared: Prepared,
  report: DeployReport,
  success: boolean,
): { success: boolean; report: DeployReport } {
  const { ctx, reportsDirectory, secrets } = prepared;
  const path = writeDeployReport(ctx.workspaceRoot, reportsDirectory, report);
  for (const result of gateResultsOf(report, path))
    (result.passed ? logger.info : logger.error)(redact(formatGateLine(result), secrets));
  logger.info(`Report: ${join(reportsDirectory, 'deploy-report.md')}`);
  return { success, report };
}

/** Backup, candidate at 0 %, health and smoke checks, traffic steps with canary analysis, promote; any failure rolls back. */
export async function deploy(
  prepared: Prepared,
  version: string,
  approvedBy: readonly string[] = [],
): Promise<{ success: boolean; report: DeployReport }> {
  const { env, provider, ctx } = prepared;
  checkApprovals(env, approvedBy);
  const backup = env.backup;
  const keeper = keeperOf(prepared, version);
  const report = await runDeploy(
    {
      provider,
      ctx,
      query: prometheusQueryFor(env, ctx.run),
      startLoad: env.analysis.syntheticLoad && env.url ? syntheticLoad(env.url, env.analysis.syntheticLoad) : undefined,
      backup: backup
        ? provider.backup
          ? () =>
              (provider.backup as NonNullable<Provider['backup']>)(ctx, {
                version,
                command: backup.command,
                timeoutMs: backup.timeoutMs,
              })
          : (stable) => (keeper as DataKeeper).backup(version, stable?.version ?? null)
        : undefined,
      // A provider that backs up remotely (Cloud Run's job) keeps its backups there: no local restore.
      data: provider.backup ? undefined : keeper,
    },
    version,
  );
  return finish(prepared, report, report.outcome === 'promoted');
}

/** Manual rollback to `to` (default: the release before the current one), then a health check. */
export async function rollback(
  prepared: Prepared,
  to: string | undefined,
): Promise<{ success: boolean; report: DeployReport }> {
  const keeper = prepared.provider.backup ? undefined : keeperOf(prepared, to ?? 'rollback');
  const report = await runRollback({ provider: prepared.provider, ctx: prepared.ctx, data: keeper }, to);
  return finish(prepared, report, report.outcome === 'rolled-back');
}

/**
 * The environment's data keeper: each pre-deploy backup goes to a fresh folder under the
 * environment's state (tmp/deploy/<project>/<env>/backups/, not reports/, which CI uploads), recorded
 * with the schema it was taken at; promoted releases record theirs; rollbacks restore from it.
 */
function keeperOf(prepared: Prepared, version: string): DataKeeper | undefined {
  const { env, provider, ctx } = prepared;
  const backup = env.backup;
  if (!backup) return undefined;
  const dir = stateDirOf(ctx.workspaceRoot, ctx.project, env);
  const base = {
    workspaceRoot: ctx.workspaceRoot,
    projectRoot: ctx.projectRoot,
    timeoutMs: backup.timeoutMs,
    environment: env.name,
    version,
    env: provider.backupEnv(ctx),
    backupDir: join(dir, 'backups'),
  };
  const { schema, restore } = backup;
  return dataKeeper({
    workspaceRoot: ctx.workspaceRoot,
    dir,
    restoreData: env.rollback.restoreData,
    hasSchema: !!schema,
    log: ctx.log,
    commands: {
      schema: () => runServiceCommand({ ...base, command: schema ?? [], what: 'schema' }, ctx.log),
      backup: (folder) => runBackup({ ...base, command: backup.command, backupDir: folder }, ctx.log),
      restore: (file) =>
        runServiceCommand(
          { ...base, command: (restore ?? []).map((part) => part.split('{backup}').join(file)), what: 'restore' },
          ctx.log,
        ),
    },
  });
}

/** Prints what each phase would run (and writes the files a provider has for review); runs nothing. */
export async function dryRun(
  prepared: Prepared,
  request: { deploy: string } | { rollbackTo: string | undefined },
): Promise<{ success: boolean }> {
  const { name, env, provider, ctx, secrets, reportsDirectory } = prepared;
  const rollingBack = 'rollbackTo' in request;
  // For a manual rollback the release to return to plays the stable one's part.
  const target: Release | undefined =
    rollingBack && request.rollbackTo
      ? { version: request.rollbackTo, id: request.rollbackTo, url: request.rollbackTo }
      : undefined;
  const stable = provider.dryRunStable
    ? await provider.dryRunStable(ctx)
    : (target ?? { version: '<stable>', id: '<stable-revision>', url: '<stable-url>' });
  const version = rollingBack ? (request.rollbackTo ?? '<previous>') : request.deploy;
  logger.info(
    `Dry run: ${
      rollingBack
        ? `roll back ${name} in ${env.name} to ${request.rollbackTo ?? 'the previous release'}`
        : `deploy ${name} ${version} to ${env.name}`
    } with ${provider.name}; nothing is changed.`,
  );
  if (env.backup && !rollingBack) logger.info(`  backup: ${env.backup.command.join(' ')}`);
  for (const step of provider.plan(ctx, { version, stable }).filter((p) => !rollingBack || p.phase === 'rollback')) {
    logger.info(redact(`  ${step.phase}: ${step.argv.join(' ')}${step.note ? `   # ${step.note}` : ''}`, secrets));
  }
  if (!rollingBack) {
    for (const [file, { content, description }] of Object.entries(provider.dryRunFiles?.(env, version) ?? {})) {
      const path = join(ctx.workspaceRoot, reportsDirectory, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      logger.info(`  ${description}: ${relative(ctx.workspaceRoot, path)}`);
    }
  }
  return { success: true };
}

/** Stops an environment whose infrastructure the provider runs itself (the local provider). */
export async function stop(prepared: Prepared): Promise<{ success: boolean }> {
  const { name, env, provider, ctx } = prepared;
  if (!provider.stop) {
    throw new DeployConfigError(
      `--stop is for providers that run their own infrastructure (local); ${env.name} runs on ${env.provider}.`,
    );
  }
  logger.info(`Stopped ${name} ${env.name}: ${await provider.stop(ctx)}.`);
  return { success: true };
}

function syntheticLoad(url: string, load: NonNullable<EnvironmentConfig['analysis']['syntheticLoad']>) {
  return () =>
    startLoad(
      load.paths.map((path) => new URL(path, url).toString()),
      { concurrency: load.concurrency, gapMs: load.gapMs, maxMs: 60 * 60_000 },
    );
}

/** `nx run <project>:deploy --environment=<name>`: deploy, `--dryRun` to print the plan, `--stop` (local) to stop. */
export default async function deployExecutor(
  options: DeployExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const prepared = prepare(options, context, 'deploy');
  if (options.stop) return stop(prepared);
  if (options.manifest) {
    const release = releaseFromManifest(context.root, options.manifest, prepared.name);
    if (options.dryRun) {
      prepared.ctx.imageFor = (v) => (v === release.digest ? release.image : undefined);
      return dryRun(prepared, { deploy: release.digest });
    }
    const { success } = await deployManifest(prepared, release, options.approvedBy);
    return { success };
  }
  const version = await releaseVersion(options, context.root);
  if (options.dryRun) return dryRun(prepared, { deploy: version });
  await checkRelease(prepared.env, prepared.name, undefined, undefined);
  const { success } = await deploy(prepared, version, options.approvedBy);
  return { success };
}

/**
 * Deploys exactly the manifest's digest (the version is the digest; the provider runs the image
 * by that digest, never a rebuild), after the promotion check; a promoted deploy records the pass
 * in the ledger, which later environments require.
 */
export async function deployManifest(
  prepared: Prepared,
  release: ManifestRelease,
  approvedBy: readonly string[] = [],
): Promise<{ success: boolean; report: DeployReport }> {
  const { env, ctx, name } = prepared;
  if (env.provider === 'local' && env.local.runtime !== 'image') {
    throw new DeployConfigError(
      `${env.name} runs ${name} as a process from this checkout, not as an image, so it cannot deploy ${release.image}: ` +
        `set environments.${env.name}.local.runtime: image (with an image section) to deploy from a release manifest.`,
    );
  }
  const ledger = ledgerFor(env, name, ctx.workspaceRoot, release.image);
  await checkRelease(env, name, release, ledger);
  logger.info(
    `Deploying ${name} ${release.image} (commit ${release.commit}, from ${release.manifest}) to ${env.name}.`,
  );
  ctx.imageFor = (version) => (version === release.digest ? release.image : undefined);
  const result = await deploy(prepared, release.digest, approvedBy);
  if (result.report.outcome === 'promoted') {
    await ledger.record({
      environment: env.name,
      project: name,
      image: release.image,
      digest: release.digest,
      commit: release.commit,
      at: new Date().toISOString(),
    });
    logger.info(`Recorded in ${ledger.describe}: ${release.digest} passed ${env.name}.`);
  }
  return result;
}

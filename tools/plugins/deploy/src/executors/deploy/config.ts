import Ajv, { type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ProjectGates } from '@customercare/nx-core';
import schema from './config-schema.json';
import type { DeploySlo } from './slo';
import { schemaProblems } from '@customercare/nx-core/inference';

/** The names a deploy config may have, in the order they are looked for. */
export const DEPLOY_CONFIG_FILES = ['deploy.yml', 'deploy.yaml', 'deploy.json'] as const;

export type ProviderName = 'local' | 'cloud-run' | 'vercel' | 'kubernetes';
type Duration = number | string;

interface RawStep {
  weight: number;
  pause?: Duration;
  analysis?: boolean;
}

interface RawEnvironment {
  provider: ProviderName;
  url?: string;
  approvals?: number;
  requires?: string | string[];
  rollback?: { restoreData?: boolean };
  backup?: boolean;
  runnerSecrets?: Record<string, string>;
  steps?: RawStep[];
  analysis?: {
    interval?: Duration;
    minSamples?: number;
    errorRate?: number;
    p95Ms?: number;
    prometheus?: string;
    auth?: 'none' | 'gcloud';
    rules?: RuleEvaluation;
    inlineStep?: Duration;
    syntheticLoad?: { paths: string[]; concurrency?: number; gap?: Duration };
  };
  local?: {
    command?: string[];
    env?: Record<string, string>;
    runtime?: 'process' | 'image';
    image?: {
      file: string;
      engine?: 'podman' | 'docker';
      containerPort?: number;
      volumes?: string[];
      env?: Record<string, string>;
    };
    scrapeInterval?: Duration;
    drain?: Duration;
    stateDir?: string;
  };
  cloudRun?: CloudRunConfig;
  vercel?: { cwd?: string; scope?: string; production?: boolean; tokenEnv?: string };
  kubernetes?: {
    namespace?: string;
    context?: string;
    deployment: string;
    container: string;
    image: string;
    manifests?: string;
    timeout?: Duration;
  };
}

export interface RawDeployConfig {
  service: string;
  backup?: {
    command: string[];
    timeout?: Duration;
    onFirstDeploy?: 'run' | 'skip';
    restore?: string[];
    schema?: string[];
  };
  health?: { paths?: string[]; timeout?: Duration };
  promotion?: { ledger?: 'registry' | 'file'; file?: string };
  smoke?: SmokeTest[];
  metrics?: Partial<MetricNames>;
  serviceSecrets?: string[];
  environments: Record<string, RawEnvironment>;
}

export interface CloudRunConfig {
  project?: string;
  region: string;
  service: string;
  image: string;
  serviceAccount?: string;
  /** Environment variable -> Secret Manager reference ("<secret>:<version>"): --set-secrets. */
  secrets?: Record<string, string>;
  /** Plain environment: --set-env-vars. */
  env?: Record<string, string>;
  /** Cloud SQL connection names, reached at /cloudsql/<name>: --set-cloudsql-instances. */
  cloudSqlInstances?: string[];
  /** The Cloud Run job that runs the pre-deploy backup with the release's image. */
  backupJob?: { name: string; bucket: string; mountPath?: string };
}

export interface SmokeTest {
  path: string;
  method?: 'GET' | 'POST' | 'HEAD';
  body?: string;
  status?: number;
  contains?: string;
}

export interface MetricNames {
  requests: string;
  statusLabel: string;
  latencyBucket: string;
}

export interface Step {
  weight: number;
  pauseMs: number;
  analysis: boolean;
}

/**
 * Whether the query endpoint evaluates the release-level recording rules ("evaluated": the local
 * provider's Prometheus, or one that loads the monitoring target's rule file), or not ("inline":
 * Google Managed Prometheus' PromQL API evaluates no rule file, so the canary inlines each rule's
 * expr from the same rendered rule file as a subquery).
 */
export type RuleEvaluation = 'evaluated' | 'inline';

export interface AnalysisConfig {
  intervalMs: number;
  minSamples: number;
  /** Highest allowed ratio of failed requests on the candidate (0..1). */
  errorRate: number;
  p95Ms: number;
  prometheus?: string;
  /** "gcloud": an OAuth bearer token from `gcloud auth print-access-token` (Google Managed Prometheus). */
  auth: 'none' | 'gcloud';
  rules: RuleEvaluation;
  /** With rules "inline": the subquery step, the stand-in for the rules' evaluation interval. */
  inlineStepMs: number;
  syntheticLoad?: { paths: string[]; concurrency: number; gapMs: number };
}

/** One environment of one service, with every default applied and every duration in milliseconds. */
export interface EnvironmentConfig {
  service: string;
  name: string;
  provider: ProviderName;
  url?: string;
  approvals: number;
  /** Variables the deploy job must have, each with where it comes from (a GitHub environment secret). */
  runnerSecrets: Record<string, string>;
  /** Variables of the service that are secrets: a hosted environment must take each from its secret store. */
  serviceSecrets: string[];
  backup?: {
    command: string[];
    timeoutMs: number;
    onFirstDeploy: 'run' | 'skip';
    /** Restores "{backup}" keeping its schema; run by rollbacks when rollback.restoreData is on. */
    restore?: string[];
    /** Prints the database's schema revision (last line). */
    schema?: string[];
  };
  rollback: { restoreData: boolean };
  /** Environments that must have passed the digest first (the promotion ledger). */
  requires: string[];
  promotion: { ledger: 'registry' | 'file'; file?: string };
  health: { paths: string[]; timeoutMs: number };
  smoke: SmokeTest[];
  metrics: MetricNames;
  /** The service's monitoring/slo.yml (set by withSlo in slo.ts): the canary analysis reads its release-level rules. */
  slo?: DeploySlo;
  steps: Step[];
  analysis: AnalysisConfig;
  local: {
    command?: string[];
    env: Record<string, string>;
    runtime: 'process' | 'image';
    image?: {
      file: string;
      engine: 'podman' | 'docker';
      containerPort: number;
      volumes: string[];
      env: Record<string, string>;
    };
    scrapeIntervalMs: number;
    drainMs: number;
    stateDir?: string;
  };
  cloudRun?: CloudRunConfig;
  vercel: { cwd?: string; scope?: string; production: boolean; tokenEnv: string };
  kubernetes?: {
    namespace: string;
    context?: string;
    deployment: string;
    container: string;
    image: string;
    manifests?: string;
    timeoutMs: number;
  };
}

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

let validator: ValidateFunction<RawDeployConfig> | undefined;
/**
 * Compiled on first use, not when the module loads: the inference plugin imports this file, and a
 * warm graph computation (every deploy config's targets from the inference cache) never validates.
 */
function validate(data: unknown): data is RawDeployConfig {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile<RawDeployConfig>(schema);
  return validator(data);
}

/** "{workspaceRoot}" in a configured environment variable becomes the workspace root. */
export function withWorkspaceRoot(env: Record<string, string>, workspaceRoot: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value.split('{workspaceRoot}').join(workspaceRoot)]),
  );
}

/** Milliseconds from "500ms", "30s", "2m" or a number of seconds. */
export function parseDuration(value: Duration | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === 'number') return Math.round(value * 1000);
  const unit = (['ms', 's', 'm'] as const).find((u) => value.endsWith(u));
  const amount = unit ? Number(value.slice(0, -unit.length)) : Number.NaN;
  if (!unit || value.slice(0, -unit.length).trim() === '' || !Number.isFinite(amount) || amount < 0) {
    throw new DeployConfigError(`"${value}" is not a duration: write "500ms", "30s" or "2m".`);
  }
  return Math.round(amount * { ms: 1, s: 1000, m: 60_000 }[unit]);
}

/** The deploy config file of a project, or undefined when it has none. */
export function findDeployConfig(workspaceRoot: string, projectRoot: string): string | undefined {
  return DEPLOY_CONFIG_FILES.map((name) => join(projectRoot, name)).find((file) =>
    existsSync(join(workspaceRoot, file)),
  );
}

/** Reads and validates a deploy config; every error names the file, the path inside it and the fix. */
export function readDeployConfig(workspaceRoot: string, file: string): RawDeployConfig {
  const text = readFileSync(join(workspaceRoot, file), 'utf8');
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new DeployConfigError(
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (!validate(data)) {
    throw new DeployConfigError(
      `${file} does not match the deploy config schema (tools/plugins/deploy/src/executors/deploy/config-schema.json):\n${schemaProblems(validator?.errors)}`,
    );
  }
  return data;
}

const DEFAULT_STEPS: Step[] = [
  { weight: 10, pauseMs: 30_000, analysis: true },
  { weight: 50, pauseMs: 30_000, analysis: true },
  { weight: 100, pauseMs: 0, analysis: false },
];

/**
 * One environment with its defaults. Analysis thresholds come from gates.json (perf.errorRate and
 * perf.p95Ms of the project) unless the environment overrides them, so the canary is held to the
 * same numbers as the perf gate.
 */
export function resolveEnvironment(
  raw: RawDeployConfig,
  name: string,
  gates: { perf: Pick<ProjectGates['perf'], 'errorRate' | 'p95Ms'> },
  file: string,
): EnvironmentConfig {
  const env = raw.environments[name];
  if (!env) {
    throw new DeployConfigError(
      `${file} has no environment "${name}"; it defines: ${Object.keys(raw.environments).join(', ')}. Pass --environment with one of them.`,
    );
  }
  const steps = env.steps
    ? env.steps.map((s) => ({ weight: s.weight, pauseMs: parseDuration(s.pause, 0), analysis: s.analysis ?? true }))
    : DEFAULT_STEPS;
  if (steps[steps.length - 1].weight !== 100) {
    throw new DeployConfigError(
      `${file}: environments.${name}.steps must end at weight 100 (the promote step); the last is ${steps[steps.length - 1].weight}.`,
    );
  }
  if (steps.some((s, i) => i > 0 && s.weight < steps[i - 1].weight)) {
    throw new DeployConfigError(
      `${file}: environments.${name}.steps must not decrease in weight; rollbacks are automatic.`,
    );
  }
  const local = env.local ?? {};
  const resolved: EnvironmentConfig = {
    service: raw.service,
    name,
    provider: env.provider,
    url: env.url,
    approvals: env.approvals ?? 0,
    runnerSecrets: env.runnerSecrets ?? {},
    serviceSecrets: raw.serviceSecrets ?? [],
    backup:
      env.backup === false || !raw.backup
        ? undefined
        : {
            command: raw.backup.command,
            timeoutMs: parseDuration(raw.backup.timeout, 600_000),
            onFirstDeploy: raw.backup.onFirstDeploy ?? 'run',
            restore: raw.backup.restore,
            schema: raw.backup.schema,
          },
    rollback: { restoreData: env.rollback?.restoreData ?? false },
    requires: env.requires === undefined ? [] : [env.requires].flat(),
    promotion: { ledger: raw.promotion?.ledger ?? 'registry', file: raw.promotion?.file },
    health: { paths: raw.health?.paths ?? ['/health'], timeoutMs: parseDuration(raw.health?.timeout, 30_000) },
    smoke: raw.smoke ?? [],
    metrics: {
      requests: raw.metrics?.requests ?? 'http_requests_total',
      statusLabel: raw.metrics?.statusLabel ?? 'status',
      latencyBucket: raw.metrics?.latencyBucket ?? 'http_request_duration_seconds_bucket',
    },
    steps,
    analysis: {
      intervalMs: parseDuration(env.analysis?.interval, 5_000),
      minSamples: env.analysis?.minSamples ?? 50,
      errorRate: env.analysis?.errorRate ?? gates.perf.errorRate,
      p95Ms: env.analysis?.p95Ms ?? gates.perf.p95Ms,
      prometheus: env.analysis?.prometheus,
      auth: env.analysis?.auth ?? 'none',
      rules: env.analysis?.rules ?? 'evaluated',
      // The local provider's Prometheus evaluates its rules at its scrape interval; elsewhere 15 s
      // (a quarter of the 1m rule window).
      inlineStepMs: parseDuration(
        env.analysis?.inlineStep,
        env.provider === 'local' ? parseDuration(local.scrapeInterval, 1_000) : 15_000,
      ),
      syntheticLoad: env.analysis?.syntheticLoad && {
        paths: env.analysis.syntheticLoad.paths,
        concurrency: env.analysis.syntheticLoad.concurrency ?? 2,
        gapMs: parseDuration(env.analysis.syntheticLoad.gap, 50),
      },
    },
    local: {
      command: local.command,
      env: local.env ?? {},
      runtime: local.runtime ?? 'process',
      image: local.image && {
        file: local.image.file,
        engine: local.image.engine ?? 'podman',
        containerPort: local.image.containerPort ?? 8000,
        volumes: local.image.volumes ?? [],
        env: local.image.env ?? {},
      },
      scrapeIntervalMs: parseDuration(local.scrapeInterval, 1_000),
      drainMs: parseDuration(local.drain, 2_000),
      stateDir: local.stateDir,
    },
    cloudRun: env.cloudRun,
    vercel: {
      cwd: env.vercel?.cwd,
      scope: env.vercel?.scope,
      production: env.vercel?.production ?? true,
      tokenEnv: env.vercel?.tokenEnv ?? 'VERCEL_TOKEN',
    },
    kubernetes: env.kubernetes && {
      namespace: env.kubernetes.namespace ?? 'default',
      context: env.kubernetes.context,
      deployment: env.kubernetes.deployment,
      container: env.kubernetes.container,
      image: env.kubernetes.image,
      manifests: env.kubernetes.manifests,
      timeoutMs: parseDuration(env.kubernetes.timeout, 300_000),
    },
  };
  const required = { local: undefined, 'cloud-run': 'cloudRun', vercel: undefined, kubernetes: 'kubernetes' }[
    env.provider
  ];
  if (required && !env[required as 'cloudRun' | 'kubernetes']) {
    throw new DeployConfigError(
      `${file}: environments.${name} uses provider ${env.provider} but has no "${required}" section.`,
    );
  }
  for (const required of [env.requires ?? []].flat()) {
    if (!raw.environments[required] || required === name) {
      throw new DeployConfigError(
        `${file}: environments.${name}.requires names "${required}", which is ${required === name ? 'itself' : 'not an environment of this file'}; it defines: ${Object.keys(raw.environments).join(', ')}.`,
      );
    }
  }
  if (env.rollback?.restoreData && env.provider === 'cloud-run') {
    throw new DeployConfigError(
      `${file}: environments.${name}.rollback.restoreData is not available on cloud-run yet: its backups are written by the ` +
        `backup job to Cloud Storage, and no restore job exists; restore by hand with the image's restore command, or remove it.`,
    );
  }
  if (env.rollback?.restoreData && (!resolved.backup?.restore || !resolved.backup.schema)) {
    throw new DeployConfigError(
      `${file}: environments.${name}.rollback.restoreData needs backup.restore (restores "{backup}") and backup.schema ` +
        `(prints the database's schema revision) at the top level, and a backup in this environment (not backup: false).`,
    );
  }
  if (env.analysis?.syntheticLoad && env.provider !== 'local') {
    throw new DeployConfigError(
      `${file}: environments.${name}.analysis.syntheticLoad is for the local provider only (load on loopback); real environments get their traffic from users.`,
    );
  }
  if (env.provider === 'local' && (local.runtime ?? 'process') === 'process' && !local.command) {
    throw new DeployConfigError(
      `${file}: environments.${name}.local needs a "command" (the process of one release), or runtime: image with an "image" section.`,
    );
  }
  if (env.provider === 'local' && local.runtime === 'image' && !local.image) {
    throw new DeployConfigError(
      `${file}: environments.${name}.local has runtime: image but no "image" section (file, engine, containerPort).`,
    );
  }
  return resolved;
}

import type { CloudRunConfig, EnvironmentConfig } from '../config';
import { runOrThrow } from './cli';
import { withVersion, type PlannedCommand, type Provider, type ProviderContext, type Release } from './provider';

const FIX =
  'Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and authenticate (google-github-actions/auth in CI).';

function config(env: EnvironmentConfig): CloudRunConfig {
  if (!env.cloudRun) throw new Error(`environment ${env.name} has no cloudRun section`);
  return env.cloudRun;
}

const where = (cr: CloudRunConfig) => [...(cr.project ? ['--project', cr.project] : []), '--region', cr.region];

/** The image of a release: the service and its backup job run exactly this reference. */
/**
 * The image a release runs: the release manifest's reference by digest when the deploy comes from
 * one (`--manifest`: CI's image, never a rebuild), else `cloudRun.image` with the version filled in.
 */
export function imageOf(cr: CloudRunConfig, version: string, manifestImage?: string): string {
  if (manifestImage) return manifestImage;
  if (version.startsWith('sha256:'))
    throw new Error(
      `release ${version} is an image digest, but no release manifest names its image: deploy it with --manifest=<release-manifest.json> (CI's release-manifest-<sha> artifact).`,
    );
  return withVersion(cr.image, version);
}

/**
 * gcloud's list/dict flag value: "A=1,B=2", or with its alternate-delimiter syntax ("^@^A=1,2@B=3")
 * when a value holds a comma (`gcloud topic escaping`).
 */
export function gcloudList(items: string[]): string {
  if (!items.some((item) => item.includes(','))) return items.join(',');
  const delimiter = ['@', '|', ';', '#', '~'].find((d) => !items.some((item) => item.includes(d)));
  if (!delimiter)
    throw new Error(`cannot pass ${JSON.stringify(items)} to gcloud: every delimiter it accepts occurs in a value`);
  return `^${delimiter}^${items.join(delimiter)}`;
}

const pairs = (map: Record<string, string>) => Object.entries(map).map(([key, value]) => `${key}=${value}`);

/** The release's configuration, the same for the service and its backup job: identity, Secret Manager references, plain env. */
function runtimeFlags(cr: CloudRunConfig, extraEnv: Record<string, string> = {}): string[] {
  const env = { ...cr.env, ...extraEnv };
  return [
    ...(cr.serviceAccount ? ['--service-account', cr.serviceAccount] : []),
    ...(cr.cloudSqlInstances?.length ? [`--set-cloudsql-instances=${cr.cloudSqlInstances.join(',')}`] : []),
    ...(cr.secrets && Object.keys(cr.secrets).length > 0 ? [`--set-secrets=${gcloudList(pairs(cr.secrets))}`] : []),
    ...(Object.keys(env).length > 0 ? [`--set-env-vars=${gcloudList(pairs(env))}`] : []),
  ];
}

/** A Secret Manager reference "<secret>:<version>" or "projects/<p>/secrets/<secret>:<version>", split. */
export function secretRef(cr: CloudRunConfig, ref: string): { project?: string; secret: string; version: string } {
  const version = ref.slice(ref.lastIndexOf(':') + 1);
  const path = ref.slice(0, ref.lastIndexOf(':')).split('/');
  const named = path.length === 4 && path[0] === 'projects' && path[2] === 'secrets';
  const secret = named ? path[3] : path.length === 1 ? path[0] : '';
  if (!ref.includes(':') || !/^[\w-]+$/.test(secret) || !/^(\d+|latest)$/.test(version)) {
    throw new Error(`"${ref}" is not a Secret Manager reference: write <secret>:<version>, e.g. db-url:latest`);
  }
  return { project: named ? path[1] : cr.project, secret, version };
}

/** The backup job's Cloud Storage volume: where the image's backup command writes, so the file outlives the job. */
const BACKUP_VOLUME = 'backups';

/** A Cloud Run traffic tag for a version: lower-case letters, digits and dashes, starting with a letter. */
export function tagOf(version: string): string {
  return `v-${version.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 46).replace(/-+$/, '');
}

/** The gcloud argv of each call, pure: the provider runs exactly these, and `--dry-run` prints them. */
export const cloudRunArgv = {
  describe: (cr: CloudRunConfig) => [
    'gcloud',
    'run',
    'services',
    'describe',
    cr.service,
    ...where(cr),
    '--format',
    'json',
  ],
  // --no-traffic is refused when the service does not exist yet, so the first deploy takes all traffic (there is no other).
  deploy: (cr: CloudRunConfig, version: string, firstDeploy: boolean, manifestImage?: string) => [
    'gcloud',
    'run',
    'deploy',
    cr.service,
    '--image',
    imageOf(cr, version, manifestImage),
    ...where(cr),
    ...runtimeFlags(cr),
    '--tag',
    tagOf(version),
    ...(firstDeploy ? [] : ['--no-traffic']),
    '--quiet',
  ],
  // The backup runs where the database is reachable: a Cloud Run job with the release's own image,
  // identity and secrets, running the image's backup command (its args; the entrypoint stays tini),
  // writing to a Cloud Storage volume. Deployed before every execution, so it always has this release's image.
  backupJob: (
    cr: CloudRunConfig,
    version: string,
    environment: string,
    command: string[],
    timeoutMs: number,
    manifestImage?: string,
  ) => {
    const job = cr.backupJob as NonNullable<CloudRunConfig['backupJob']>;
    const mountPath = job.mountPath ?? '/backups';
    return [
      'gcloud',
      'run',
      'jobs',
      'deploy',
      job.name,
      '--image',
      imageOf(cr, version, manifestImage),
      ...where(cr),
      `--args=${gcloudList(command)}`,
      ...runtimeFlags(cr, {
        DATA_DIR: mountPath,
        BACKUP_DIR: mountPath,
        DEPLOY_ENVIRONMENT: environment,
        DEPLOY_VERSION: version,
      }),
      `--add-volume=name=${BACKUP_VOLUME},type=cloud-storage,bucket=${job.bucket}`,
      `--add-volume-mount=volume=${BACKUP_VOLUME},mount-path=${mountPath}`,
      '--max-retries=0',
      `--task-timeout=${Math.ceil(timeoutMs / 1000)}s`,
      '--quiet',
    ];
  },
  // --wait: gcloud returns when the execution ended, non-zero when it failed.
  runBackupJob: (cr: CloudRunConfig) => [
    'gcloud',
    'run',
    'jobs',
    'execute',
    (cr.backupJob as NonNullable<CloudRunConfig['backupJob']>).name,
    ...where(cr),
    '--wait',
    '--quiet',
  ],
  secretVersion: (cr: CloudRunConfig, ref: string) => {
    const { project, secret, version } = secretRef(cr, ref);
    return [
      'gcloud',
      'secrets',
      'versions',
      'describe',
      version,
      '--secret',
      secret,
      ...(project ? ['--project', project] : []),
      '--format',
      'value(state)',
    ];
  },
  credentials: () => ['gcloud', 'auth', 'print-access-token', '--quiet'],
  // Both revisions are pinned by name: --to-latest after a --no-traffic deploy would send everything
  // to the candidate. gcloud takes one of --to-latest | --to-revisions | --to-tags per call, so a
  // split names both revisions; the last step moves all traffic to the candidate's tag.
  traffic: (cr: CloudRunConfig, stableRevision: string, candidateRevision: string, version: string, weight: number) => [
    'gcloud',
    'run',
    'services',
    'update-traffic',
    cr.service,
    ...where(cr),
    ...(weight < 100
      ? ['--to-revisions', `${stableRevision}=${100 - weight},${candidateRevision}=${weight}`]
      : ['--to-tags', `${tagOf(version)}=100`]),
    '--quiet',
  ],
  pin: (cr: CloudRunConfig, revision: string) => [
    'gcloud',
    'run',
    'services',
    'update-traffic',
    cr.service,
    ...where(cr),
    '--to-revisions',
    `${revision}=100`,
    '--quiet',
  ],
  revisions: (cr: CloudRunConfig) => [
    'gcloud',
    'run',
    'revisions',
    'list',
    '--service',
    cr.service,
    ...where(cr),
    '--format',
    'json',
  ],
};

/**
 * What an environment's config lacks before a Cloud Run deploy can be safe, pure: every secret the
 * service needs comes from Secret Manager, and a backup has a job to run in. Each problem names the
 * key to add.
 */
export function cloudRunWiringProblems(env: EnvironmentConfig): string[] {
  const cr = config(env);
  const at = `environments.${env.name}.cloudRun`;
  const problems: string[] = [];
  for (const name of env.serviceSecrets) {
    if (cr.env?.[name] !== undefined) {
      problems.push(
        `${name} is a secret (serviceSecrets) but ${at}.env sets it as a plain variable, readable by anyone who can view the service: move it to ${at}.secrets as "${name}: <secret>:latest"`,
      );
    } else if (!cr.secrets?.[name]) {
      problems.push(
        `${name} has no Secret Manager reference: add "${name}: <secret>:latest" to ${at}.secrets (create it with \`gcloud secrets create <secret> --data-file=-\`)`,
      );
    }
  }
  if (env.backup && !cr.backupJob) {
    problems.push(
      `the pre-deploy backup has nowhere to run: the runner cannot reach the database, so on Cloud Run it runs as a job with the release's image. ` +
        `Add ${at}.backupJob: { name: <job>, bucket: <Cloud Storage bucket> }, or set environments.${env.name}.backup: false`,
    );
  }
  return problems;
}

interface TrafficTarget {
  revisionName?: string;
  percent?: number;
  tag?: string;
  url?: string;
}

interface ServiceJson {
  status?: { url?: string; traffic?: TrafficTarget[] };
}

async function describe(ctx: ProviderContext): Promise<ServiceJson | null> {
  const result = await ctx.run(cloudRunArgv.describe(config(ctx.env)));
  if (result.exitCode !== 0) {
    // gcloud's words for a service that was never deployed: the first deploy.
    if (/Cannot find service|could not be found|NOT_FOUND/i.test(result.stderr)) return null;
    throw new Error(
      `gcloud run services describe failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' ')}. ${FIX}`,
    );
  }
  return JSON.parse(result.stdout) as ServiceJson;
}

/**
 * Cloud Run: the candidate is a tagged revision deployed with --no-traffic (reachable at its tag
 * URL for health checks and smoke tests), traffic moves with update-traffic, and a rollback pins
 * the recorded stable revision at 100 %.
 */
export const cloudRunProvider: Provider = {
  name: 'cloud-run',
  secrets: () => [],
  backupEnv: () => ({}),
  weightedTraffic: true,

  plan(ctx, request): PlannedCommand[] {
    const cr = config(ctx.env);
    const stable = request.stable?.id ?? '<stable-revision>';
    const backup = ctx.env.backup;
    return [
      { phase: 'current', argv: cloudRunArgv.describe(cr) },
      ...(backup && cr.backupJob
        ? [
            {
              phase: 'backup' as const,
              argv: cloudRunArgv.backupJob(
                cr,
                request.version,
                ctx.env.name,
                backup.command,
                backup.timeoutMs,
                ctx.imageFor?.(request.version),
              ),
            },
            { phase: 'backup' as const, argv: cloudRunArgv.runBackupJob(cr) },
          ]
        : []),
      {
        phase: 'deployCandidate',
        argv: cloudRunArgv.deploy(cr, request.version, request.stable === null, ctx.imageFor?.(request.version)),
      },
      ...ctx.env.steps.map((s) => ({
        phase: 'setTraffic' as const,
        argv: cloudRunArgv.traffic(
          cr,
          stable,
          request.candidateId ?? '<candidate-revision>',
          request.version,
          s.weight,
        ),
      })),
      { phase: 'rollback', argv: cloudRunArgv.pin(cr, stable) },
    ];
  },

  /**
   * Before anything moves: the config names every secret's source and the backup's job, gcloud
   * has credentials, and every referenced Secret Manager version exists (an absent one would only
   * fail when the revision starts, after the backup and with the deploy half done).
   */
  async preflight(ctx) {
    const problems = cloudRunWiringProblems(ctx.env);
    if (problems.length > 0) {
      throw new Error(`${ctx.env.name} is not wired for Cloud Run:\n- ${problems.join('\n- ')}`);
    }
    await runOrThrow(ctx.run, ['gcloud', '--version'], `gcloud (${FIX})`);
    const cr = config(ctx.env);
    const credentials = await ctx.run(cloudRunArgv.credentials());
    if (credentials.exitCode !== 0) {
      throw new Error(
        `gcloud has no credentials (${credentials.stderr.trim().split('\n').slice(-2).join(' ')}). In CI, run google-github-actions/auth ` +
          `with workload identity federation before the deploy (docs/plugins/deploy.md, "Google Cloud authentication"); by hand, gcloud auth login.`,
      );
    }
    for (const [name, ref] of Object.entries(cr.secrets ?? {})) {
      const result = await ctx.run(cloudRunArgv.secretVersion(cr, ref));
      const state = result.stdout.trim();
      if (result.exitCode !== 0 || state !== 'ENABLED') {
        const said =
          result.exitCode !== 0 ? result.stderr.trim().split('\n').slice(-2).join(' ') : `its state is ${state}`;
        throw new Error(
          `Secret Manager has no usable ${ref} for ${name} (environments.${ctx.env.name}.cloudRun.secrets.${name}): ${said}. ` +
            `Add a version (\`gcloud secrets versions add ${secretRef(cr, ref).secret} --data-file=-\`), fix the reference, ` +
            `or grant the deploy identity roles/secretmanager.viewer.`,
        );
      }
    }
  },

  async backup(ctx, request) {
    const cr = config(ctx.env);
    if (!cr.backupJob) throw new Error(cloudRunWiringProblems(ctx.env).join('; '));
    const job = cr.backupJob.name;
    await runOrThrow(
      ctx.run,
      cloudRunArgv.backupJob(
        cr,
        request.version,
        ctx.env.name,
        request.command,
        request.timeoutMs,
        ctx.imageFor?.(request.version),
      ),
      `gcloud run jobs deploy ${job}`,
    );
    // gcloud's own wait ends with the execution; a little slack over the task timeout for the job to start.
    await runOrThrow(ctx.run, cloudRunArgv.runBackupJob(cr), `backup job ${job}`, {
      timeoutMs: request.timeoutMs + 5 * 60_000,
    });
    return `backup job ${job} ran ${request.command.join(' ')} with ${imageOf(cr, request.version, ctx.imageFor?.(request.version))}; the file is in gs://${cr.backupJob.bucket}`;
  },

  async current(ctx) {
    const service = await describe(ctx);
    if (!service) return null;
    const serving = (service.status?.traffic ?? [])
      .filter((t) => (t.percent ?? 0) > 0)
      .sort((a, b) => (b.percent ?? 0) - (a.percent ?? 0))[0];
    if (!serving?.revisionName) return null;
    return {
      version: serving.tag ?? serving.revisionName,
      id: serving.revisionName,
      url: serving.url ?? service.status?.url,
    };
  },

  async deployCandidate(ctx, version, stable) {
    const cr = config(ctx.env);
    await runOrThrow(
      ctx.run,
      cloudRunArgv.deploy(cr, version, stable === null, ctx.imageFor?.(version)),
      `gcloud run deploy ${cr.service}`,
    );
    const service = await describe(ctx);
    const tagged = service?.status?.traffic?.find((t) => t.tag === tagOf(version));
    if (!tagged?.revisionName || !tagged.url) {
      throw new Error(
        `gcloud run deploy succeeded but the service lists no revision tagged ${tagOf(version)}; check the service's traffic in the console.`,
      );
    }
    return { version, id: tagged.revisionName, url: tagged.url, details: { tag: tagOf(version) } };
  },

  async setTraffic(ctx, stable, candidate, weight) {
    if (!stable) return;
    await runOrThrow(
      ctx.run,
      cloudRunArgv.traffic(config(ctx.env), stable.id, candidate.id, candidate.version, weight),
      'gcloud run services update-traffic',
    );
  },

  async promote(ctx, _stable, candidate) {
    // Pin the candidate's revision by name, so that a later --no-traffic deploy never moves traffic by itself.
    await runOrThrow(ctx.run, cloudRunArgv.pin(config(ctx.env), candidate.id), 'gcloud run services update-traffic');
  },

  async rollback(ctx, to) {
    if (!to) {
      throw new Error(
        `the first revision of ${config(ctx.env).service} failed and there is no earlier one to return to; fix it and deploy again, or delete the service.`,
      );
    }
    await runOrThrow(ctx.run, cloudRunArgv.pin(config(ctx.env), to.id), 'gcloud run services update-traffic');
  },

  async history(ctx) {
    const result = await runOrThrow(ctx.run, cloudRunArgv.revisions(config(ctx.env)), 'gcloud run revisions list');
    const revisions = JSON.parse(result.stdout) as Array<{ metadata?: { name?: string; creationTimestamp?: string } }>;
    return revisions
      .filter((r) => r.metadata?.name)
      .sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)))
      .map((r) => ({ version: r.metadata?.name as string, id: r.metadata?.name as string, url: ctx.env.url }));
  },

  metrics(ctx, release: Release) {
    const prometheus = ctx.env.analysis.prometheus;
    // Google Managed Prometheus labels Cloud Run series with the revision name.
    return prometheus ? { prometheus, appSelector: `revision_name="${release.id}"` } : undefined;
  },
};

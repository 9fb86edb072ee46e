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
  deploy: (cr: CloudRunConfig, version: string, firstDeploy: boolean) => [
    'gcloud',
    'run',
    'deploy',
    cr.service,
    '--image',
    withVersion(cr.image, version),
    ...where(cr),
    '--tag',
    tagOf(version),
    ...(firstDeploy ? [] : ['--no-traffic']),
    '--quiet',
  ],
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
    return [
      { phase: 'current', argv: cloudRunArgv.describe(cr) },
      { phase: 'deployCandidate', argv: cloudRunArgv.deploy(cr, request.version, request.stable === null) },
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

  async preflight(ctx) {
    await runOrThrow(ctx.run, ['gcloud', '--version'], `gcloud (${FIX})`);
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
    await runOrThrow(ctx.run, cloudRunArgv.deploy(cr, version, stable === null), `gcloud run deploy ${cr.service}`);
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

import { stringify } from 'yaml';
import type { EnvironmentConfig } from '../config';
import { runOrThrow } from './cli';
import { withVersion, type PlannedCommand, type Provider } from './provider';

type K8s = NonNullable<EnvironmentConfig['kubernetes']>;

function config(env: EnvironmentConfig): K8s {
  if (!env.kubernetes) throw new Error(`environment ${env.name} has no kubernetes section`);
  return env.kubernetes;
}

const kubectl = (k: K8s) => ['kubectl', ...(k.context ? ['--context', k.context] : []), '--namespace', k.namespace];
const REVISION = 'deployment.kubernetes.io/revision';

/** The kubectl argv of each call, pure. */
export const kubernetesArgv = {
  get: (k: K8s) => [...kubectl(k), 'get', 'deployment', k.deployment, '--output', 'json'],
  apply: (k: K8s, dir: string) => [...kubectl(k), 'apply', '--filename', dir],
  setImage: (k: K8s, version: string) => [
    ...kubectl(k),
    'set',
    'image',
    `deployment/${k.deployment}`,
    `${k.container}=${withVersion(k.image, version)}`,
  ],
  status: (k: K8s) => [
    ...kubectl(k),
    'rollout',
    'status',
    `deployment/${k.deployment}`,
    `--timeout=${Math.round(k.timeoutMs / 1000)}s`,
  ],
  undo: (k: K8s, revision: string) => [
    ...kubectl(k),
    'rollout',
    'undo',
    `deployment/${k.deployment}`,
    `--to-revision=${revision}`,
  ],
  history: (k: K8s) => [...kubectl(k), 'rollout', 'history', `deployment/${k.deployment}`],
};

interface DeploymentJson {
  metadata?: { annotations?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: Array<{ name: string; image: string }> } } };
}

/**
 * Plain Kubernetes: a rolling update gated by the pods' readiness probes and `rollout status`,
 * undone with `rollout undo` to the recorded revision. Kubernetes has no weighted traffic (and no
 * automatic rollback) of its own, so every step list collapses to 0 -> 100 here; teams that run
 * Argo Rollouts get a Rollout + AnalysisTemplate generated from the same steps (argoRollout below).
 */
export const kubernetesProvider: Provider = {
  name: 'kubernetes',
  secrets: () => [],
  backupEnv: () => ({}),
  dryRunFiles: (env, version) => ({
    'argo-rollout.yaml': {
      content: argoRollout(env, version),
      description: 'Argo Rollouts manifests (Rollout + AnalysisTemplate) for teams that run it',
    },
  }),
  weightedTraffic: false,

  plan(ctx, request): PlannedCommand[] {
    const k = config(ctx.env);
    return [
      { phase: 'current', argv: kubernetesArgv.get(k) },
      ...(k.manifests
        ? [{ phase: 'deployCandidate' as const, argv: kubernetesArgv.apply(k, `${ctx.projectRoot}/${k.manifests}`) }]
        : []),
      { phase: 'deployCandidate', argv: kubernetesArgv.setImage(k, request.version) },
      { phase: 'deployCandidate', argv: kubernetesArgv.status(k) },
      { phase: 'rollback', argv: kubernetesArgv.undo(k, request.stable?.id ?? '<stable-revision>') },
      { phase: 'rollback', argv: kubernetesArgv.status(k) },
    ];
  },

  async preflight(ctx) {
    await runOrThrow(
      ctx.run,
      ['kubectl', 'version', '--client'],
      'kubectl version --client (install kubectl and set its context)',
    );
  },

  async current(ctx) {
    const k = config(ctx.env);
    const result = await ctx.run(kubernetesArgv.get(k));
    if (result.exitCode !== 0) {
      if (/NotFound|not found/.test(result.stderr) && !k.manifests) {
        throw new Error(
          `deployment ${k.deployment} does not exist in ${k.namespace}; set kubernetes.manifests to create it on the first deploy.`,
        );
      }
      if (/NotFound|not found/.test(result.stderr)) return null;
      throw new Error(`kubectl get deployment ${k.deployment} failed: ${result.stderr.trim().split('\n').pop()}`);
    }
    const deployment = JSON.parse(result.stdout) as DeploymentJson;
    const image = deployment.spec?.template?.spec?.containers?.find((c) => c.name === k.container)?.image ?? 'unknown';
    const revision = deployment.metadata?.annotations?.[REVISION] ?? '0';
    return { version: image.split(':').pop() ?? image, id: revision, url: ctx.env.url, details: { image } };
  },

  async deployCandidate(ctx, version) {
    const k = config(ctx.env);
    if (k.manifests)
      await runOrThrow(
        ctx.run,
        kubernetesArgv.apply(k, `${ctx.workspaceRoot}/${ctx.projectRoot}/${k.manifests}`),
        'kubectl apply',
      );
    await runOrThrow(ctx.run, kubernetesArgv.setImage(k, version), 'kubectl set image');
    await runOrThrow(ctx.run, kubernetesArgv.status(k), `kubectl rollout status (readiness of ${version})`);
    const now = await this.current(ctx);
    return { version, id: now?.id ?? 'unknown', url: ctx.env.url, details: { image: withVersion(k.image, version) } };
  },

  async setTraffic() {
    // The rolling update already moved all traffic once the new pods were ready.
  },

  async promote() {
    // Nothing left to do: `rollout status` succeeded and the health checks passed.
  },

  async rollback(ctx, to) {
    const k = config(ctx.env);
    if (!to)
      throw new Error(
        `the first rollout of ${k.deployment} failed and it has no earlier revision; fix it and deploy again.`,
      );
    await runOrThrow(ctx.run, kubernetesArgv.undo(k, to.id), 'kubectl rollout undo');
    await runOrThrow(ctx.run, kubernetesArgv.status(k), 'kubectl rollout status (after undo)');
  },

  async history(ctx) {
    const result = await runOrThrow(ctx.run, kubernetesArgv.history(config(ctx.env)), 'kubectl rollout history');
    return result.stdout
      .split('\n')
      .map((line) => /^(\d+)\s+(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ version: m[1], id: m[1], url: ctx.env.url, details: { changeCause: m[2] } }))
      .reverse();
  },

  metrics() {
    // No per-release traffic to analyse here; under Argo Rollouts the AnalysisTemplate does it.
    return undefined;
  },
};

/**
 * Argo Rollouts manifests for the same environment: a Rollout whose canary steps are the deploy
 * config's steps and an AnalysisTemplate that holds the candidate to the same gates (error ratio
 * and p95 from Prometheus). A missing result counts as a failure (`failureCondition` on NaN), for
 * the reason the local analysis calls empty data inconclusive.
 */
export function argoRollout(env: EnvironmentConfig, version: string): string {
  const k = config(env);
  const m = env.metrics;
  const name = k.deployment;
  const steps = env.steps.flatMap((s) =>
    s.weight === 100
      ? []
      : [
          { setWeight: s.weight },
          ...(s.pauseMs ? [{ pause: { duration: `${Math.ceil(s.pauseMs / 1000)}s` } }] : []),
          ...(s.analysis ? [{ analysis: { templates: [{ templateName: `${name}-canary` }] } }] : []),
        ],
  );
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: k.namespace },
    spec: {
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name, scaleDown: 'progressively' },
      strategy: { canary: { steps } },
    },
  };
  const window = `${Math.max(30, Math.ceil(env.analysis.intervalMs / 1000) * 2)}s`;
  const selector = `app="${name}",rollouts_pod_template_hash="{{args.canary-hash}}"`;
  const template = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: `${name}-canary`, namespace: k.namespace, annotations: { 'customercare.dev/version': version } },
    spec: {
      args: [{ name: 'canary-hash' }],
      metrics: [
        {
          name: 'error-ratio',
          interval: `${Math.ceil(env.analysis.intervalMs / 1000)}s`,
          failureLimit: 0,
          successCondition: `!isNaN(result[0]) && result[0] <= ${env.analysis.errorRate}`,
          failureCondition: `isNaN(result[0]) || result[0] > ${env.analysis.errorRate}`,
          provider: {
            prometheus: {
              address: env.analysis.prometheus ?? 'http://prometheus.monitoring:9090',
              query: `sum(rate(${m.requests}{${selector},${m.statusLabel}=~"5.."}[${window}])) / sum(rate(${m.requests}{${selector}}[${window}]))`,
            },
          },
        },
        {
          name: 'p95-latency-ms',
          interval: `${Math.ceil(env.analysis.intervalMs / 1000)}s`,
          failureLimit: 0,
          successCondition: `!isNaN(result[0]) && result[0] <= ${env.analysis.p95Ms}`,
          failureCondition: `isNaN(result[0]) || result[0] > ${env.analysis.p95Ms}`,
          provider: {
            prometheus: {
              address: env.analysis.prometheus ?? 'http://prometheus.monitoring:9090',
              query: `1000 * histogram_quantile(0.95, sum by (le) (rate(${m.latencyBucket}{${selector}}[${window}])))`,
            },
          },
        },
      ],
    },
  };
  return `${stringify(rollout)}---\n${stringify(template)}`;
}

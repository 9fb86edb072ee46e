import { join } from 'node:path';
import type { EnvironmentConfig } from '../config';
import { runOrThrow } from './cli';
import type { PlannedCommand, Provider, ProviderContext, Release } from './provider';

function token(env: EnvironmentConfig): string {
  const value = process.env[env.vercel.tokenEnv];
  if (!value) {
    throw new Error(
      `${env.vercel.tokenEnv} is not set: the vercel provider hands it to the CLI as VERCEL_TOKEN. Create a token at https://vercel.com/account/tokens ` +
        `and store it as the ${env.vercel.tokenEnv} secret of the GitHub environment "${env.name}".`,
    );
  }
  return value;
}

/**
 * How every authenticated call runs: the token goes in the CLI's environment (VERCEL_TOKEN, which
 * the vercel CLI reads itself), never on its command line, which any user of the machine can read
 * in the process list (/proc/<pid>/cmdline). The runner still redacts it from whatever the CLI prints.
 */
const authed = (ctx: ProviderContext, cwd?: string) => ({
  ...(cwd ? { cwd } : {}),
  env: { VERCEL_TOKEN: token(ctx.env) },
});

/** The stages of a rolling release: every step below 100 % (Vercel adds the final 100 % itself). */
const stagesOf = (env: EnvironmentConfig) => env.steps.filter((s) => s.weight < 100).map((s) => s.weight);

/** The vercel argv of each call, pure. It never holds the token: that goes by environment (`authed`). */
export const vercelArgv = {
  auth: (env: EnvironmentConfig) => (env.vercel.scope ? ['--scope', env.vercel.scope] : []),
  inspect: (target: string, auth: string[]) => ['vercel', 'inspect', target, '--json', ...auth],
  // The project's settings and environment variables of the target environment, into .vercel/ (the
  // project and team come from VERCEL_PROJECT_ID / VERCEL_ORG_ID, or a .vercel/project.json).
  pull: (env: EnvironmentConfig, auth: string[]) => [
    'vercel',
    'pull',
    '--yes',
    `--environment=${env.vercel.production ? 'production' : 'preview'}`,
    ...auth,
  ],
  // Builds with those settings into .vercel/output, which `deploy --prebuilt` uploads as it is: the
  // build runs here, from the commit being shipped, not again on Vercel.
  build: (env: EnvironmentConfig, auth: string[]) => [
    'vercel',
    'build',
    ...(env.vercel.production ? ['--prod'] : []),
    '--yes',
    ...auth,
  ],
  // --skip-domain: production build without moving the domains; traffic moves by rolling release or promote.
  deploy: (env: EnvironmentConfig, auth: string[]) => [
    'vercel',
    'deploy',
    '--prebuilt',
    ...(env.vercel.production ? ['--prod', '--skip-domain'] : []),
    '--yes',
    ...auth,
  ],
  configure: (env: EnvironmentConfig, auth: string[]) => [
    'vercel',
    'rolling-release',
    'configure',
    '--enable',
    '--advancement-type=manual-approval',
    ...stagesOf(env).map((w) => `--stage=${w}`),
    ...auth,
  ],
  start: (url: string, auth: string[]) => ['vercel', 'rolling-release', 'start', `--dpl=${url}`, '--yes', ...auth],
  approve: (url: string, stageIndex: number, auth: string[]) => [
    'vercel',
    'rolling-release',
    'approve',
    `--currentStageIndex=${stageIndex}`,
    `--dpl=${url}`,
    ...auth,
  ],
  complete: (url: string, auth: string[]) => ['vercel', 'rolling-release', 'complete', `--dpl=${url}`, ...auth],
  abort: (url: string, auth: string[]) => ['vercel', 'rolling-release', 'abort', `--dpl=${url}`, ...auth],
  promote: (url: string, auth: string[]) => ['vercel', 'promote', url, '--yes', ...auth],
  rollback: (url: string, auth: string[]) => ['vercel', 'rollback', url, '--yes', ...auth],
};

const cwdOf = (ctx: ProviderContext) => join(ctx.workspaceRoot, ctx.env.vercel.cwd ?? ctx.projectRoot);
const authOf = (ctx: ProviderContext) => vercelArgv.auth(ctx.env);
const rolling = (env: EnvironmentConfig) => stagesOf(env).length > 0;

async function inspect(ctx: ProviderContext, target: string): Promise<Release | null> {
  const result = await ctx.run(vercelArgv.inspect(target, authOf(ctx)), authed(ctx, cwdOf(ctx)));
  if (result.exitCode !== 0) {
    if (/can't find the deployment|not found/i.test(result.stderr)) return null;
    throw new Error(
      `vercel inspect ${target} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
  }
  const deployment = JSON.parse(result.stdout) as { id?: string; url?: string };
  if (!deployment.url) return null;
  const url = deployment.url.startsWith('http') ? deployment.url : `https://${deployment.url}`;
  return { version: url, id: deployment.id ?? url, url };
}

/**
 * Vercel: `vercel pull` (settings and env of the target), `vercel build` (into .vercel/output, here),
 * then a prebuilt production deployment of that output that takes no domain, then a rolling release whose
 * stages are the config's steps (each approved after its analysis), or a promote for the 0 -> 100
 * case; a rollback aborts the rolling release and runs `vercel rollback` to the recorded deployment.
 */
export const vercelProvider: Provider = {
  name: 'vercel',
  secrets: (env) => {
    const token = process.env[env.vercel.tokenEnv];
    return token ? [token] : [];
  },
  backupEnv: () => ({}),
  weightedTraffic: true,

  plan(ctx, request): PlannedCommand[] {
    const auth = vercelArgv.auth(ctx.env);
    const url = request.candidateId ?? '<deployment-url>';
    const stages = stagesOf(ctx.env);
    return [
      ...(ctx.env.url ? [{ phase: 'current' as const, argv: vercelArgv.inspect(ctx.env.url, auth) }] : []),
      { phase: 'deployCandidate', argv: vercelArgv.pull(ctx.env, auth) },
      { phase: 'deployCandidate', argv: vercelArgv.build(ctx.env, auth) },
      { phase: 'deployCandidate', argv: vercelArgv.deploy(ctx.env, auth) },
      ...(rolling(ctx.env)
        ? [
            { phase: 'setTraffic' as const, argv: vercelArgv.configure(ctx.env, auth) },
            { phase: 'setTraffic' as const, argv: vercelArgv.start(url, auth) },
            ...stages
              .slice(1)
              .map((_, i) => ({ phase: 'setTraffic' as const, argv: vercelArgv.approve(url, i, auth) })),
            { phase: 'setTraffic' as const, argv: vercelArgv.complete(url, auth) },
            { phase: 'rollback' as const, argv: vercelArgv.abort(url, auth) },
          ]
        : [{ phase: 'setTraffic' as const, argv: vercelArgv.promote(url, auth) }]),
      { phase: 'rollback', argv: vercelArgv.rollback(request.stable?.url ?? '<stable-deployment-url>', auth) },
    ];
  },

  async preflight(ctx) {
    token(ctx.env);
    await runOrThrow(ctx.run, ['vercel', '--version'], 'vercel --version (install the CLI: npm i -g vercel)');
  },

  async current(ctx) {
    if (!ctx.env.url)
      throw new Error(
        `environment ${ctx.env.name} needs a url (its production domain) to find the current deployment.`,
      );
    return inspect(ctx, ctx.env.url);
  },

  async deployCandidate(ctx, version) {
    await runOrThrow(ctx.run, vercelArgv.pull(ctx.env, authOf(ctx)), 'vercel pull', authed(ctx, cwdOf(ctx)));
    await runOrThrow(ctx.run, vercelArgv.build(ctx.env, authOf(ctx)), 'vercel build', authed(ctx, cwdOf(ctx)));
    const result = await runOrThrow(
      ctx.run,
      vercelArgv.deploy(ctx.env, authOf(ctx)),
      'vercel deploy --prebuilt',
      authed(ctx, cwdOf(ctx)),
    );
    // vercel deploy prints the deployment URL as the last line of stdout (progress goes to stderr).
    const url = result.stdout.trim().split('\n').pop()?.trim();
    if (!url || !/^https?:\/\//.test(url))
      throw new Error(`vercel deploy printed no deployment URL; stdout was: ${result.stdout.trim().slice(-300)}`);
    return { version, id: url, url };
  },

  async setTraffic(ctx, _stable, candidate, weight) {
    const auth = authOf(ctx);
    const url = candidate.url as string;
    const stages = stagesOf(ctx.env);
    if (!rolling(ctx.env)) {
      await runOrThrow(ctx.run, vercelArgv.promote(url, auth), 'vercel promote', authed(ctx));
    } else if (weight === 100) {
      await runOrThrow(ctx.run, vercelArgv.complete(url, auth), 'vercel rolling-release complete', authed(ctx));
    } else if (weight === stages[0]) {
      await runOrThrow(
        ctx.run,
        vercelArgv.configure(ctx.env, auth),
        'vercel rolling-release configure',
        authed(ctx, cwdOf(ctx)),
      );
      await runOrThrow(ctx.run, vercelArgv.start(url, auth), 'vercel rolling-release start', authed(ctx, cwdOf(ctx)));
    } else {
      // Approving stage i moves the release to stage i + 1.
      await runOrThrow(
        ctx.run,
        vercelArgv.approve(url, stages.indexOf(weight) - 1, auth),
        'vercel rolling-release approve',
        authed(ctx, cwdOf(ctx)),
      );
    }
  },

  async promote() {
    // The last step (weight 100) completed the rolling release or promoted the deployment.
  },

  async rollback(ctx, to, from) {
    const auth = authOf(ctx);
    if (from?.url && rolling(ctx.env)) {
      const aborted = await ctx.run(vercelArgv.abort(from.url, auth), authed(ctx, cwdOf(ctx)));
      // No active rolling release (it failed before starting) is fine: the rollback below still pins the stable deployment.
      if (aborted.exitCode !== 0) ctx.log(`[vercel] rolling-release abort: ${aborted.stderr.trim().split('\n').pop()}`);
    }
    if (!to) throw new Error('the first deployment failed and there is no earlier production deployment to return to.');
    await runOrThrow(ctx.run, vercelArgv.rollback(to.url as string, auth), 'vercel rollback', authed(ctx, cwdOf(ctx)));
  },

  async history() {
    return [];
  },

  async resolve(ctx, version) {
    return inspect(ctx, version);
  },

  metrics(ctx, release) {
    const prometheus = ctx.env.analysis.prometheus;
    return prometheus ? { prometheus, appSelector: `deployment="${release.id}"` } : undefined;
  },
};

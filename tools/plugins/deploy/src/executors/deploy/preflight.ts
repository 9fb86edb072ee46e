import { RULES } from '@customercare/nx-monitoring/lib';
import { analysisQueries, type PromQuery } from './analysis';
import type { EnvironmentConfig } from './config';
import type { MetricsTarget } from './providers/provider';
import type { DeploySlo } from './slo';

/** Thrown by preflight: the deploy stops before anything moves, and the message names the missing piece and its fix. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

/**
 * The deploy job's own secrets (runnerSecrets: name -> where it comes from) must all be set. One
 * message lists every missing one, so a first production run does not fail once per secret.
 */
export function checkRunnerSecrets(env: EnvironmentConfig, processEnv: NodeJS.ProcessEnv = process.env): void {
  const missing = Object.entries(env.runnerSecrets).filter(([name]) => !processEnv[name]);
  if (missing.length === 0) return;
  throw new PreflightError(
    `${missing.map(([name]) => name).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set, and the ${env.name} deploy needs ` +
      `${missing.length === 1 ? 'it' : 'them'}: ${missing.map(([name, from]) => `${name} comes from ${from}`).join('; ')}. ` +
      `Add ${missing.length === 1 ? 'it' : 'them'} there (cd.yml hands the GitHub environment's secrets to the deploy step), ` +
      `or export ${missing.length === 1 ? 'it' : 'them'} for a deploy by hand.`,
  );
}

/**
 * The configured query endpoint answers a trivial PromQL query with the analysis' own credentials:
 * an endpoint the runner cannot reach (a cluster-internal name) or cannot authenticate to would
 * otherwise turn every traffic step "inconclusive" and roll back a good release after it got traffic.
 */
export async function checkPrometheusReachable(env: EnvironmentConfig, query: PromQuery): Promise<void> {
  const prometheus = env.analysis.prometheus;
  if (!prometheus) return;
  const fix =
    env.analysis.auth === 'gcloud'
      ? 'Check analysis.prometheus (Google Managed Prometheus: https://monitoring.googleapis.com/v1/projects/<project>/location/global/prometheus) and that the deploy identity has roles/monitoring.viewer.'
      : 'Set analysis.prometheus to a Prometheus-compatible query endpoint the deploy runner can reach (a hosted runner cannot resolve cluster-internal names), with analysis.auth: gcloud for Google Managed Prometheus.';
  let value: number | null;
  try {
    value = await query(prometheus, 'vector(1)');
  } catch (error) {
    throw new PreflightError(
      `the canary analysis cannot query ${prometheus} (environments.${env.name}.analysis.prometheus): ${(error as Error).message.replace(/\.$/, '')}. ${fix}`,
    );
  }
  if (value !== 1) {
    throw new PreflightError(
      `${prometheus} (environments.${env.name}.analysis.prometheus) answered vector(1) with ${value}, so it is not a PromQL endpoint. ${fix}`,
    );
  }
}

/** How far back the stable release's series are looked for: its last ten minutes. */
export const STABLE_LOOKBACK_SECONDS = 600;

/**
 * The canary's request count for the release serving now has a series at the configured endpoint:
 * a release that has served for a while has one wherever the canary could measure anything, so
 * none means every traffic step would end inconclusive and roll back a good release. Asked again
 * with the rules inlined, the endpoint tells which piece is missing: a series there means nothing
 * evaluates the release-level recording rules (set analysis.rules: inline); none either way means
 * the service's metrics do not reach it with the release's labels.
 */
export async function checkStableSeries(
  env: EnvironmentConfig,
  query: PromQuery,
  target: MetricsTarget,
  stableVersion: string,
  slo: DeploySlo,
): Promise<void> {
  const ask = async (expr: string) => {
    try {
      return await query(target.prometheus, expr);
    } catch (error) {
      throw new PreflightError(
        `the canary analysis could not query ${target.prometheus} for the stable release ${stableVersion}: ${(error as Error).message.replace(/\.$/, '')}.`,
      );
    }
  };
  const asked = analysisQueries(target, slo, STABLE_LOOKBACK_SECONDS, env.analysis).requests;
  if ((await ask(asked)) !== null) return;
  const setting = `environments.${env.name}.analysis.rules`;
  const said = `the canary's request count for the stable release ${stableVersion} (${target.appSelector}) has no series at ${target.prometheus} over the last ${STABLE_LOOKBACK_SECONDS / 60} minutes (${asked}), so every canary step would end inconclusive and roll back`;
  if (env.analysis.rules === 'evaluated') {
    const inlined = analysisQueries(target, slo, STABLE_LOOKBACK_SECONDS, {
      ...env.analysis,
      rules: 'inline',
    }).requests;
    if ((await ask(inlined)) !== null) {
      throw new PreflightError(
        `${said}. Its metrics are there, but nothing evaluates the release-level recording rules (${RULES.releaseRequestRate(slo.window)} has no series; Google Managed Prometheus' PromQL API evaluates no rule file). Set ${setting}: inline (the canary then inlines each rule's expr from the rendered rule file), or load the rule file generated from ${slo.file} into a rule evaluator there.`,
      );
    }
  }
  throw new PreflightError(
    `${said}. No ${slo.spec.metrics.requests}{${[slo.spec.selector, target.appSelector].filter(Boolean).join(',')}} series reach it: check that the service's /metrics is collected there (Cloud Run: Managed Prometheus' collector sidecar, which labels series with revision_name) and that the stable release served requests in that time${env.analysis.rules === 'inline' ? '' : `; if they are there but nothing evaluates the release-level recording rules, set ${setting}: inline`}.`,
  );
}

import type { PromQuery } from './analysis';
import type { EnvironmentConfig } from './config';

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

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSlo, RELEASE_RATE_WINDOW, type SloFile } from '@customercare/nx-monitoring/lib';
import { DeployConfigError, type EnvironmentConfig, type RawDeployConfig } from './config';

/** A service's SLO file, the monitoring target's input (docs/plugins/monitoring.md). */
export const SLO_FILE = 'monitoring/slo.yml';

/** The SLO file the canary analysis reads its recording rules and metric names from. */
export interface DeploySlo {
  /** Relative to the workspace root, for messages. */
  file: string;
  spec: SloFile;
  /** The rate window of the release-level rules the environment's Prometheus evaluates (see releaseRuleWindow). */
  window: string;
}

/**
 * The rate window of the release-level rules in an environment's Prometheus. The local provider's
 * Prometheus scrapes every `scrapeInterval` (1 s) for steps of seconds, and generates the rules
 * itself with a window of five scrapes: a rate needs two samples in its window, and on a busy
 * machine a scrape comes late (three scrapes left the candidate without any rate in a loaded run).
 * Any other Prometheus is expected to load the monitoring target's rule file, whose window is
 * RELEASE_RATE_WINDOW (1m).
 */
export function releaseRuleWindow(env: Pick<EnvironmentConfig, 'provider' | 'local'>): string {
  return env.provider === 'local' ? `${5 * Math.ceil(env.local.scrapeIntervalMs / 1000)}s` : RELEASE_RATE_WINDOW;
}

/**
 * The environment with its service's SLO file (`<projectRoot>/monitoring/slo.yml`) when there is
 * one: the canary analysis then queries the release-level recording rules generated from it, and
 * the metric names come from it only. A deploy config that also names `metrics` is refused, so the
 * names cannot drift apart.
 */
export function withSlo(
  env: EnvironmentConfig,
  raw: Pick<RawDeployConfig, 'metrics'>,
  configFile: string,
  workspaceRoot: string,
  projectRoot: string,
): EnvironmentConfig {
  const file = join(projectRoot, SLO_FILE);
  if (!existsSync(join(workspaceRoot, file))) return env;
  if (raw.metrics) {
    throw new DeployConfigError(
      `${configFile} names metrics, but ${file} exists: the canary analysis reads the metric names and recording rules from ${file}. Remove "metrics" from ${configFile}.`,
    );
  }
  const spec = loadSlo(join(workspaceRoot, file), file);
  const { requests, statusLabel, latencyBucket } = spec.metrics;
  return {
    ...env,
    slo: { file, spec, window: releaseRuleWindow(env) },
    metrics: { requests, statusLabel, latencyBucket },
  };
}

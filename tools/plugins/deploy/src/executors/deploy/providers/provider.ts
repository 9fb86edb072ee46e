import type { EnvironmentConfig } from '../config';
import type { CommandRunner } from './cli';

/** One running (or once-running) version of a service, as a provider names it. */
export interface Release {
  version: string;
  /** The provider's handle: a HAProxy slot, a Cloud Run revision, a Vercel deployment URL, a ReplicaSet revision. */
  id: string;
  /** Where this release answers directly, without the environment's traffic split (health checks and smoke tests go here). */
  url?: string;
  /** Provider-specific facts kept for later steps and the report (pid, port, image, tag). */
  details?: Record<string, string>;
}

/** Everything a provider needs, passed in on every call: providers keep no state of their own. */
export interface ProviderContext {
  workspaceRoot: string;
  projectRoot: string;
  project: string;
  env: EnvironmentConfig;
  run: CommandRunner;
  log: (message: string) => void;
  /**
   * The exact image to run for a version, when the deploy comes from a release manifest (the
   * version is then the image's digest): providers that run images use it, never a rebuild or a tag.
   */
  imageFor?: (version: string) => string | undefined;
}

/** One command a provider would run, for `--dry-run` and for tests of the argv. */
export interface PlannedCommand {
  phase: 'current' | 'backup' | 'deployCandidate' | 'setTraffic' | 'promote' | 'rollback';
  argv: string[];
  /** Set when the step is not an external program (e.g. HAProxy's runtime API over its socket). */
  note?: string;
}

/** What the plan is for: the version to ship, and the stable release it would replace (if known). */
export interface PlanRequest {
  version: string;
  stable: Release | null;
  candidateId?: string;
}

/** The backup a provider runs itself: the service's backup command, for the release about to ship. */
export interface BackupRequest {
  version: string;
  command: string[];
  timeoutMs: number;
}

/** Where the canary analysis finds metrics for a release. */
export interface MetricsTarget {
  prometheus: string;
  /**
   * PromQL label matchers that select this release's series of the app's own metrics; the
   * release-level recording rules must keep these labels (slo.yml `releases.labels`).
   */
  appSelector: string;
}

export interface Provider {
  name: string;
  /** Whether this provider can split traffic by weight; if not, every step collapses to one 0 -> 100 switch. */
  weightedTraffic: boolean;
  /** Pure: the commands each phase runs, without running them. */
  plan(ctx: Omit<ProviderContext, 'run'>, request: PlanRequest): PlannedCommand[];
  /** Checks the provider's tools and credentials before anything changes; throws with the fix. */
  preflight(ctx: ProviderContext): Promise<void>;
  /** The release that serves all traffic now, or null before the first deploy. */
  current(ctx: ProviderContext): Promise<Release | null>;
  /** Starts the candidate with no traffic (the first deploy of a new service may get all of it: nothing else exists). */
  deployCandidate(ctx: ProviderContext, version: string, stable: Release | null): Promise<Release>;
  setTraffic(ctx: ProviderContext, stable: Release | null, candidate: Release, weight: number): Promise<void>;
  promote(ctx: ProviderContext, stable: Release | null, candidate: Release): Promise<void>;
  /**
   * Sends all traffic to `to` (starting it again first if it no longer runs) and retires `from`,
   * the failed candidate. `to` is null only when a first deploy failed: then `from` is just removed.
   */
  rollback(ctx: ProviderContext, to: Release | null, from: Release | null): Promise<void>;
  /**
   * Why a release this provider started no longer runs (its process ended), or null while it runs
   * or when the provider cannot tell (hosted platforms): the health check then fails at once
   * instead of waiting out its timeout.
   */
  exited?(ctx: ProviderContext, release: Release): string | null;
  /** Releases that a manual rollback may return to, newest first. */
  history(ctx: ProviderContext): Promise<Release[]>;
  /** A release named by the person rolling back (a revision, a deployment URL) that the history does not list. */
  resolve?(ctx: ProviderContext, version: string): Promise<Release | null>;
  /** Where the analysis reads this release's metrics, or undefined when no metrics source is configured. */
  metrics(ctx: ProviderContext, release: Release): MetricsTarget | undefined;
  /** The secrets this provider hands its CLI (from the environment), redacted from every log and report. */
  secrets(env: EnvironmentConfig): string[];
  /**
   * Runs the pre-deploy backup where the database is reachable (Cloud Run: a job with the release's
   * image). Absent: the executor runs backup.command on the runner with backupEnv.
   */
  backup?(ctx: ProviderContext, request: BackupRequest): Promise<string>;
  /** The environment the pre-deploy backup runs with, so that it reaches the database the releases use. */
  backupEnv(ctx: Omit<ProviderContext, 'run'>): Record<string, string>;
  /**
   * The stable release a dry run plans against, reading local state only and never running anything;
   * undefined when the provider cannot know it without calling its cloud (a placeholder is shown).
   */
  dryRunStable?(ctx: ProviderContext): Promise<Release | null>;
  /** Files a dry run writes for people to review (e.g. Argo Rollouts manifests), by path relative to the reports folder. */
  dryRunFiles?(env: EnvironmentConfig, version: string): Record<string, { content: string; description: string }>;
  /** Stops an environment whose infrastructure the provider runs itself; absent for hosted platforms. */
  stop?(ctx: Omit<ProviderContext, 'run'>): Promise<string>;
}

/** "{version}" in a configured string becomes the version being deployed. */
export function withVersion(template: string, version: string): string {
  return template.split('{version}').join(version);
}

import type { ExecutorContext } from '@nx/devkit';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { deploy as deployRelease, prepare, rollback as rollbackTo } from '../executor';
import type { DeployReport } from '../machine';
import { stopLocalEnvironment } from '../providers/local';
import { executorContext } from '@customercare/nx-core/testing';

export const FIXTURE_APP = join(__dirname, '..', 'fixtures', 'app');
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..', '..');

/**
 * A throw-away workspace with one service whose releases are the fixture app (v3 answers 500 to
 * half its requests, v4 fails its health check) and a fixture backup command. Short pauses and a
 * 1 s scrape interval keep the whole proof near a minute on two shared cores. The first step is
 * 10 s: the canary reads rules that rate over 5 s, and on a loaded machine (load average ~38) a
 * candidate's first rates appeared 4-6 s into the step.
 */
export function proofWorkspace(
  port: number,
  overrides: { steps?: unknown[]; minSamples?: number } = {},
): { root: string; context: ExecutorContext; stateDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'deploy-proof-'));
  mkdirSync(join(root, 'svc'), { recursive: true });
  // The workspace's own gates file (its schema grows with other gates); the thresholds that matter are set below.
  copyFileSync(join(WORKSPACE_ROOT, 'gates.json'), join(root, 'gates.json'));
  const config = {
    service: 'svc',
    backup: { command: ['node', join(FIXTURE_APP, 'backup.mjs')], timeout: '10s' },
    health: { paths: ['/health'], timeout: '3s' },
    smoke: [
      { path: '/', status: 200, contains: 'release' },
      { path: '/metrics', contains: 'ccg_http_requests_total' },
    ],
    environments: {
      staging: {
        provider: 'local',
        url: `http://127.0.0.1:${port}`,
        steps: overrides.steps ?? [{ weight: 10, pause: '10s' }, { weight: 50, pause: '4s' }, { weight: 100 }],
        analysis: { interval: '1s', minSamples: overrides.minSamples ?? 15, errorRate: 0.01, p95Ms: 500 },
        local: {
          command: ['node', join(FIXTURE_APP, 'server.mjs'), '--release', '{version}'],
          scrapeInterval: '1s',
          drain: '1s',
        },
      },
    },
  };
  writeFileSync(join(root, 'svc', 'deploy.yml'), stringify(config));
  // The backend's own SLO file for this service (the fixture app exports the backend's metric names):
  // the canary analysis reads the release-level rules generated from it, in the environment's Prometheus.
  const slo = parse(readFileSync(join(WORKSPACE_ROOT, 'apps/backend/monitoring/slo.yml'), 'utf8')) as Record<
    string,
    unknown
  >;
  mkdirSync(join(root, 'svc', 'monitoring'));
  writeFileSync(
    join(root, 'svc', 'monitoring', 'slo.yml'),
    stringify({ ...slo, service: 'svc', selector: 'job="svc"', releases: { labels: ['release', 'slot'] } }),
  );
  const context = executorContext(root, 'svc', 'svc', 'deploy');
  return { root, context, stateDir: join(root, 'tmp', 'deploy', 'svc', 'staging') };
}

export async function deploy(context: ExecutorContext, version: string): Promise<DeployReport> {
  const { report } = await deployRelease(prepare({ environment: 'staging' }, context, 'deploy'), version);
  return report;
}

export async function rollback(context: ExecutorContext, to?: string): Promise<DeployReport> {
  const { report } = await rollbackTo(prepare({ environment: 'staging' }, context, 'rollback'), to);
  return report;
}

export const teardown = (stateDir: string) => stopLocalEnvironment(stateDir);

/** When the candidate first got traffic (its first weight above 0), in ms since the epoch. */
export function canaryStart(report: DeployReport): number | undefined {
  const first = report.traffic.find((t) => t.weight > 0);
  return first ? Date.parse(first.at) : undefined;
}

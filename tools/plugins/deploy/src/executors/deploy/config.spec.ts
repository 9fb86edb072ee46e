import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse, analysisQueries } from './analysis';
import { findDeployConfig, parseDuration, readDeployConfig, resolveEnvironment } from './config';

const GATES = {
  coverage: { min: 80 },
  security: { grade: 'A' as const },
  perf: { p95Ms: 800, p99Ms: 2000, errorRate: 0.02, minThroughputRps: 1 },
};

describe('deploy config', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'deploy-config-'));
    mkdirSync(join(root, 'svc'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (text: string, name = 'deploy.yml') => writeFileSync(join(root, 'svc', name), text);

  it('parses durations and names the fix for a bad one', () => {
    expect([
      parseDuration('500ms', 0),
      parseDuration('30s', 0),
      parseDuration('2m', 0),
      parseDuration(1.5, 0),
      parseDuration(undefined, 7),
    ]).toEqual([500, 30_000, 120_000, 1_500, 7]);
    expect(() => parseDuration('10 minutes', 0)).toThrow(
      '"10 minutes" is not a duration: write "500ms", "30s" or "2m".',
    );
  });

  it('takes the analysis thresholds from gates.json unless the environment overrides them', () => {
    write(
      'service: svc\nenvironments:\n  staging: { provider: local, url: "http://127.0.0.1:1", local: { command: [x] } }\n  prod: { provider: local, url: "http://127.0.0.1:2", local: { command: [x] }, analysis: { errorRate: 0.001 } }\n',
    );
    const raw = readDeployConfig(root, findDeployConfig(root, 'svc') as string);
    const staging = resolveEnvironment(raw, 'staging', GATES, 'svc/deploy.yml');
    expect(staging.analysis).toMatchObject({
      errorRate: 0.02,
      p95Ms: 800,
      minSamples: 50,
      intervalMs: 5_000,
      errorSource: 'proxy',
    });
    expect(staging.steps).toEqual([
      { weight: 10, pauseMs: 30_000, analysis: true },
      { weight: 50, pauseMs: 30_000, analysis: true },
      { weight: 100, pauseMs: 0, analysis: false },
    ]);
    expect(resolveEnvironment(raw, 'prod', GATES, 'svc/deploy.yml').analysis.errorRate).toBe(0.001);
  });

  it('says which file, which path and what is wrong', () => {
    write('service: svc\nenvironments:\n  staging: { provider: heroku, typo: 1 }\n');
    expect(() => readDeployConfig(root, 'svc/deploy.yml')).toThrow(
      /svc\/deploy.yml does not match the deploy config schema[^]*\/environments\/staging must NOT have additional properties "typo"[^]*\/environments\/staging\/provider must be equal to one of the allowed values/,
    );
    write(
      'service: svc\nenvironments:\n  staging: { provider: local, local: { command: [x] }, steps: [{ weight: 10 }] }\n',
    );
    const raw = readDeployConfig(root, 'svc/deploy.yml');
    expect(() => resolveEnvironment(raw, 'staging', GATES, 'svc/deploy.yml')).toThrow(
      'svc/deploy.yml: environments.staging.steps must end at weight 100 (the promote step); the last is 10.',
    );
    expect(() => resolveEnvironment(raw, 'prod', GATES, 'svc/deploy.yml')).toThrow(
      'svc/deploy.yml has no environment "prod"; it defines: staging. Pass --environment with one of them.',
    );
    write('service: svc\nenvironments:\n  p: { provider: cloud-run }\n');
    expect(() => resolveEnvironment(readDeployConfig(root, 'svc/deploy.yml'), 'p', GATES, 'svc/deploy.yml')).toThrow(
      'environments.p uses provider cloud-run but has no "cloudRun" section.',
    );
  });

  it('finds deploy.yml, deploy.yaml or deploy.json', () => {
    expect(findDeployConfig(root, 'svc')).toBeUndefined();
    write('{"service":"svc","environments":{"s":{"provider":"local"}}}', 'deploy.json');
    expect(findDeployConfig(root, 'svc')).toBe('svc/deploy.json');
    expect(readDeployConfig(root, 'svc/deploy.json').service).toBe('svc');
  });
});

describe('canary analysis', () => {
  const names = {
    requests: 'ccg_http_requests_total',
    statusLabel: 'status',
    latencyBucket: 'ccg_http_request_duration_seconds_bucket',
  };
  const config = {
    intervalMs: 1000,
    minSamples: 20,
    errorRate: 0.01,
    p95Ms: 500,
    auth: 'none' as const,
    errorSource: 'proxy' as const,
  };
  const target = { prometheus: 'http://p', appSelector: 'release="v3",slot="green"', proxyServer: 'green' };

  it('counts requests and errors at HAProxy and reads p95 from the app histogram', () => {
    expect(analysisQueries(target, names, 'proxy', 12)).toEqual({
      requests: 'sum(increase(haproxy_server_http_responses_total{proxy="app",server="green"}[12s]))',
      errors:
        'sum(increase(haproxy_server_http_responses_total{proxy="app",server="green",code="5xx"}[12s])) + sum(increase(haproxy_server_connection_errors_total{proxy="app",server="green"}[12s]))',
      p95: 'histogram_quantile(0.95, sum by (le) (increase(ccg_http_request_duration_seconds_bucket{release="v3",slot="green"}[12s])))',
    });
    expect(analysisQueries(target, names, 'app', 5).errors).toBe(
      'sum(increase(ccg_http_requests_total{release="v3",slot="green",status=~"5.."}[5s]))',
    );
  });

  const answers =
    (requests: number | null, errors: number | null, p95: number | null) => async (_: string, expr: string) =>
      expr.startsWith('histogram_quantile') ? p95 : expr.includes('5xx') ? errors : requests;

  it.each([
    [
      'no data at all',
      null,
      null,
      null,
      'inconclusive',
      'only 0 requests reached the candidate in 10s; at least 20 are needed to judge it',
    ],
    [
      'too few samples, even all failing',
      5,
      5,
      0.01,
      'inconclusive',
      'only 5 requests reached the candidate in 10s; at least 20 are needed to judge it',
    ],
    [
      'requests but no latency histogram',
      100,
      0,
      null,
      'inconclusive',
      'no latency histogram for the candidate (release="v3",slot="green"); check metrics.latencyBucket in the deploy config',
    ],
    ['errors above the gate', 100, 5, 0.01, 'fail', 'error ratio 5.00% (5/100) is above 1.00%'],
    ['p95 above the gate', 100, 0, 0.75, 'fail', 'p95 latency 750.0 ms is above 500 ms'],
    ['within both gates', 100, 1, 0.2, 'pass', undefined],
  ])('%s -> %s', async (_name, requests, errors, p95, status, reason) => {
    const verdict = await analyse(answers(requests, errors, p95), target, undefined, names, config, 10);
    expect(verdict.status).toBe(status);
    expect(verdict.reasons[0]).toBe(reason);
  });
});

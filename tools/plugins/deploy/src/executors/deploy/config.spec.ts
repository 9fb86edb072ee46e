import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

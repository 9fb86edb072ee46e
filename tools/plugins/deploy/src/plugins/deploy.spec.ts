import { rmSync } from 'node:fs';
import { deployKind } from './deploy';
import { inferenceContext, workspaceWith } from '@customercare/nx-core/testing';

const workspace = (files: Record<string, string>) => workspaceWith(files, 'nx-pipeline-deploy-');

const context = inferenceContext;
const CONFIG =
  'service: api\nenvironments:\n  staging: { provider: local, url: "http://127.0.0.1:8480", local: { command: [serve] } }\n  production: { provider: cloud-run, cloudRun: { region: r, service: s, image: i } }\n';

describe('deploy inference', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds never-cached deploy and rollback targets, one configuration per environment', async () => {
    root = workspace({ 'apps/api/pyproject.toml': '[project]\nname = "api"\n', 'apps/api/deploy.yml': CONFIG });
    const [[file, result]] = await deployKind.createNodes(['apps/api/deploy.yml'], {}, context(root));
    expect(file).toBe('apps/api/deploy.yml');
    const targets = result.projects?.['apps/api']?.targets ?? {};
    expect(targets['deploy']).toMatchObject({
      executor: '@customercare/nx-deploy:deploy',
      options: { config: 'apps/api/deploy.yml' },
      configurations: { staging: { environment: 'staging' }, production: { environment: 'production' } },
      cache: false,
      metadata: { technologies: ['haproxy', 'cloud-run'] },
    });
    expect(targets['rollback']).toMatchObject({
      executor: '@customercare/nx-deploy:rollback',
      cache: false,
      configurations: { staging: { environment: 'staging' } },
    });
    expect(targets['deploy'].metadata?.description).toMatch(/^Deploy to staging, production: backup, candidate at 0 %/);
  });

  it('creates no project for a deploy config alone, and prefers deploy.yml over deploy.json', async () => {
    root = workspace({
      'loose/deploy.yml': CONFIG,
      'svc/package.json': '{"name":"svc"}',
      'svc/deploy.yml': CONFIG,
      'svc/deploy.json': '{"service":"other","environments":{"only":{"provider":"local"}}}',
    });
    const results = await deployKind.createNodes(
      ['loose/deploy.yml', 'svc/deploy.yml', 'svc/deploy.json'],
      { deployTargetName: 'ship' },
      context(root),
    );
    expect(results.map(([file]) => file)).toEqual(['loose/deploy.yml', 'svc/deploy.yml']);
    expect(results[0][1]).toEqual({});
    expect(Object.keys(results[1][1].projects?.['svc']?.targets ?? {})).toEqual(['ship', 'rollback']);
  });

  it('names the file and the problem when the config is invalid', async () => {
    root = workspace({ 'svc/package.json': '{}', 'svc/deploy.yml': 'service: svc\nenvironments: {}\n' });
    const error = (await deployKind.createNodes(['svc/deploy.yml'], {}, context(root)).catch((e: unknown) => e)) as {
      errors: Array<[string, Error]>;
    };
    expect(error.errors[0][0]).toBe('svc/deploy.yml');
    expect(error.errors[0][1].message).toMatch(
      /svc\/deploy.yml does not match the deploy config schema[^]*\/environments must NOT have fewer than 1 properties/,
    );
  });
});

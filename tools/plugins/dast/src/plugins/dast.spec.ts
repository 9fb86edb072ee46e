import { inferenceContext, workspaceWith } from '@customercare/nx-core/testing';
import { rmSync } from 'node:fs';
import { dastKind } from './dast';

const SERVICE_SCENARIO = `config:
  phases: [{ duration: 60, arrivalRate: 10 }]
service:
  command: [python, -m, api, serve]
scenarios:
  - { name: health, flow: [{ get: { url: /health } }] }
`;

describe('dast inference', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds dast to projects whose perf/load.yml starts a service, or that have a dast.yml (after its page builds)', async () => {
    root = workspaceWith(
      {
        'apps/api/package.json': '{"name": "api"}',
        'apps/api/perf/load.yml': SERVICE_SCENARIO,
        'apps/shop/package.json': '{"name": "shop"}',
        'apps/shop/perf/load.yml': SERVICE_SCENARIO,
        'apps/shop/dast.yml': "pages:\n  - { name: console, dir: ../web/dist, build: 'web:build' }\n",
        'apps/remote/package.json': '{"name": "remote"}',
        'apps/remote/perf/load.yml': 'config:\n  target: https://example.test\n  phases: []\nscenarios: []\n',
        'docs/dast.yml': '',
      },
      'nx-dast-infer-',
    );
    const files = [
      'apps/api/perf/load.yml',
      'apps/shop/perf/load.yml',
      'apps/shop/dast.yml',
      'apps/remote/perf/load.yml',
      'docs/dast.yml',
    ];
    const results = await dastKind.createNodes(files, {}, inferenceContext(root));
    expect(results).toMatchSnapshot();
    const targets = Object.fromEntries(
      results.flatMap(([, result]) =>
        Object.entries(result.projects ?? {}).map(([project, config]) => [project, config.targets?.dast]),
      ),
    );
    // perf/load.yml without a service (an external target) and a folder that is no project get nothing.
    expect(Object.keys(targets).sort()).toEqual(['apps/api', 'apps/shop']);
    expect(targets['apps/api']).toMatchObject({
      executor: '@customercare/nx-dast:dast',
      options: { reportsDirectory: 'reports/apps/api/dast' },
      cache: true,
      parallelism: false,
      outputs: ['{options.reportsDirectory}'],
    });
    expect(targets['apps/api']?.dependsOn).toBeUndefined();
    expect(targets['apps/shop']?.dependsOn).toEqual([{ projects: ['web'], target: 'build' }]);
    expect(targets['apps/shop']?.inputs).toContainEqual({ dependentTasksOutputFiles: '**/*', transitive: false });
  });
});

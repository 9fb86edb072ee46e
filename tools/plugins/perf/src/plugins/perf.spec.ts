import { rmSync } from 'node:fs';
import { perfKind } from './perf';
import { uvLockFixture } from '@customercare/nx-core/testing';
import { inferenceContext, workspaceWith } from '@customercare/nx-core/testing';

const workspace = (files: Record<string, string>) => workspaceWith(files, 'nx-pipeline-perf-infer-');

const SCENARIO = `config:
  phases: [{ duration: 60, arrivalRate: 10 }]
  environments:
    ci: { phases: [{ duration: 20, arrivalRate: 20 }] }
    stress: { phases: [{ duration: 60, arrivalRate: 100 }] }
scenarios:
  - { name: health, flow: [{ get: { url: /health } }] }
`;

describe('perf inference', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds perf (perf/load.yml) and perf-<name> targets to projects, with a configuration per profile', async () => {
    root = workspace({
      'uv.lock': uvLockFixture(),
      'pyproject.toml': '',
      'apps/api/pyproject.toml': '[project]\nname = "api"\n',
      'apps/api/perf/load.yml': SCENARIO,
      'apps/api/perf/checkout.yml': 'config:\n  phases: [{ duration: 5, arrivalRate: 5 }]\nscenarios: []\n',
      'docs/perf/load.yml': SCENARIO,
    });
    const context = inferenceContext(root);
    const results = await perfKind.createNodes(
      ['apps/api/perf/load.yml', 'apps/api/perf/checkout.yml', 'docs/perf/load.yml'],
      {},
      context,
    );
    expect(results).toMatchSnapshot();
    const [, load] = results[0];
    const perf = load.projects?.['apps/api'].targets?.perf;
    expect(perf?.options).toEqual({
      scenario: 'perf/load.yml',
      profile: 'ci',
      reportsDirectory: 'reports/apps/api/perf',
    });
    expect(Object.keys(perf?.configurations ?? {})).toEqual(['load', 'ci', 'stress']);
    // The service's locked packages, as pypi: nodes (uv-lock.ts): not uv.lock, which every new uv member rewrites.
    expect(perf?.inputs).toEqual([
      'production',
      '^production',
      '{workspaceRoot}/gates.json',
      { externalDependencies: ['pypi:fastapi', 'pypi:pydantic', 'pypi:pytest-asyncio'] },
    ]);
    // A scenario without a ci profile runs its phases; a folder that is no project gets nothing.
    expect(results[1][1].projects?.['apps/api'].targets?.['perf-checkout']?.options?.profile).toBe('load');
    expect(results[2][1]).toEqual({});
  });
});

import { AggregateCreateNodesError, type CreateNodesResultV2 } from '@nx/devkit';
import { Minimatch } from 'minimatch';
import { rmSync } from 'node:fs';
import { inferenceContext, uvLockFixture, workspaceWith } from '@customercare/nx-core/testing';
import * as python from '@customercare/nx-python';
import { PIPELINE_PLUGINS } from '@customercare/nx-core/inference';
import { createDependencies, createNodesV2, PLUGINS } from './plugin';

const SCENARIO = `config:
  phases: [{ duration: 60, arrivalRate: 10 }]
service:
  command: [python, -m, api, serve]
scenarios:
  - { name: health, flow: [{ get: { url: /health } }] }
`;
const DEPLOY =
  'service: api\nenvironments:\n  staging: { provider: local, url: "http://127.0.0.1:8480", local: { command: [serve] } }\n';

/** A workspace with a file for every plugin: each of the seven infers something from it. */
const FILES: Record<string, string> = {
  'package.json': '{"name": "root", "workspaces": ["apps/*"]}',
  'pyproject.toml': '[tool.uv.workspace]\nmembers = ["apps/api"]\n',
  'uv.lock': uvLockFixture(),
  'apps/api/pyproject.toml': '[project]\nname = "api"\nversion = "1.0.0"\n',
  'apps/api/perf/load.yml': SCENARIO,
  'apps/api/Containerfile': 'FROM python:3.12-slim\nCOPY . /app\n',
  'apps/api/deploy.yml': DEPLOY,
  'apps/api/monitoring/slo.yml': 'service: api\n',
  'apps/web/package.json': '{"name": "web"}',
};

/** What one plugin infers from the files its own glob matches, as Nx would call it alone. */
async function alone(
  [glob, createNodes]: (typeof PLUGINS)[number]['createNodesV2'],
  files: string[],
  root: string,
): Promise<CreateNodesResultV2> {
  const matcher = new Minimatch(glob, { dot: true });
  const matching = files.filter((file) => matcher.match(file));
  return matching.length === 0 ? [] : createNodes(matching, {}, inferenceContext(root));
}

describe('@customercare/nx-inference', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('returns what the seven plugins return one by one, in nx.json order, each from its own files', async () => {
    root = workspaceWith(FILES, 'nx-inference-');
    const files = Object.keys(FILES);
    const [glob, createNodes] = createNodesV2;
    const matcher = new Minimatch(glob, { dot: true });
    expect(files.filter((file) => matcher.match(file))).toEqual(files);

    const oneByOne = [];
    for (const plugin of PLUGINS) oneByOne.push(await alone(plugin.createNodesV2, files, root));
    // Not vacuous: every plugin infers something here.
    expect(oneByOne.map((results) => results.length > 0)).toEqual(PLUGINS.map(() => true));
    const targets = new Set(
      oneByOne
        .flat()
        .flatMap(([, result]) => Object.values(result.projects ?? {}).flatMap((p) => Object.keys(p.targets ?? {}))),
    );
    expect([...targets].sort()).toEqual([
      'dast',
      'deploy',
      'docker',
      'lint',
      'monitoring',
      'perf',
      'rollback',
      'scan',
      'test',
    ]);

    expect(await createNodes(files, {}, inferenceContext(root))).toEqual(oneByOne.flat());
  });

  it("keeps the other plugins' results when one fails, and names the failing file", async () => {
    root = workspaceWith(
      { ...FILES, 'apps/api/deploy.yml': 'service: api\nenvironments: [not, a, map]\n' },
      'nx-inference-',
    );
    const [, createNodes] = createNodesV2;
    const error = await Promise.resolve(createNodes(Object.keys(FILES), {}, inferenceContext(root))).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AggregateCreateNodesError);
    const { errors, partialResults } = error as AggregateCreateNodesError;
    expect(errors.map(([file]) => file)).toEqual(['apps/api/deploy.yml']);
    expect(errors[0][1].message).toContain('apps/api/deploy.yml does not match the deploy config schema');
    const inferred = new Set(
      partialResults.flatMap(([, result]) => Object.keys(result.projects?.['apps/api']?.targets ?? {})),
    );
    expect(inferred).toEqual(new Set(['lint', 'test', 'scan', 'perf', 'docker', 'monitoring', 'dast']));
  });

  it("runs only the plugins nx.json's `plugins` option lists, and refuses a name it does not run", async () => {
    root = workspaceWith(FILES, 'nx-inference-');
    const files = Object.keys(FILES);
    const [, createNodes] = createNodesV2;
    const targetsOf = (results: CreateNodesResultV2) =>
      new Set(results.flatMap(([, result]) => Object.keys(result.projects?.['apps/api']?.targets ?? {})));

    const everyOne = await createNodes(files, { plugins: [...PIPELINE_PLUGINS] }, inferenceContext(root));
    expect(everyOne).toEqual(await createNodes(files, {}, inferenceContext(root)));

    const some = await createNodes(
      files,
      { plugins: ['@customercare/nx-python', '@customercare/nx-deploy'], deployTargetName: 'ship' },
      inferenceContext(root),
    );
    expect(targetsOf(some)).toEqual(new Set(['lint', 'test', 'ship', 'rollback']));

    await expect(
      Promise.resolve(
        createNodes(files, { plugins: ['@customercare/nx-python', '@nx/vite/plugin'] }, inferenceContext(root)),
      ),
    ).rejects.toThrow(
      /^nx\.json: @customercare\/nx-inference's "plugins" option names "@nx\/vite\/plugin", which it does not run; it runs @customercare\/nx-python, /,
    );
  });

  it("draws nx-python's edges", () => {
    expect(createDependencies).toBe(python.createDependencies);
  });
});

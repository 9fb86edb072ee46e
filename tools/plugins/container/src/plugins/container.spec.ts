import { rmSync } from 'node:fs';
import { containerKind } from './container';
import { inferenceContext, workspaceWith } from '@customercare/nx-core/testing';

const workspace = (files: Record<string, string>) => workspaceWith(files, 'nx-pipeline-container-');

const context = inferenceContext;

const API = [
  '# nx-pipeline: base BASE_IMAGE=python',
  '# nx-pipeline: context python',
  '# nx-pipeline: port 8000',
  '# nx-pipeline: ready /health',
  '# nx-pipeline: smoke GET /health -> 200 "ok"',
  '# nx-pipeline: size-budget 200MB',
  'ARG BASE_IMAGE=localhost/customercare/base-python:bookworm',
  'FROM ${BASE_IMAGE}',
].join('\n');

describe('containerKind', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds a docker target to every project with a Containerfile or Dockerfile', async () => {
    root = workspace({
      'apps/api/pyproject.toml': '[project]\nname = "api"\n',
      'apps/api/Containerfile': API,
      'apps/web/package.json': '{"name":"web"}',
      'apps/web/Dockerfile': '# nx-pipeline: depends-on build\n# nx-pipeline: context dist\nFROM nginx\n',
      // Not a project: a Containerfile alone never creates one.
      'docs/examples/Containerfile': 'FROM scratch\n',
    });
    const files = ['apps/api/Containerfile', 'apps/web/Dockerfile', 'docs/examples/Containerfile'];
    const results = await containerKind.createNodes(files, {}, context(root));
    expect(results).toMatchSnapshot();
  });

  it('prefers the Containerfile when a project has both', async () => {
    root = workspace({
      'svc/project.json': '{}',
      'svc/Containerfile': 'FROM a\n',
      'svc/Dockerfile': 'FROM b\n',
    });
    const results = await containerKind.createNodes(['svc/Dockerfile', 'svc/Containerfile'], {}, context(root));
    expect(results.map(([file]) => file)).toEqual(['svc/Containerfile']);
    expect(results[0][1].projects?.['svc']?.targets?.['docker']?.options).toMatchObject({
      file: 'svc/Containerfile',
      context: 'svc',
    });
  });

  it('pushes with the ci configuration and keys the cache on the registry', async () => {
    root = workspace({ 'svc/project.json': '{}', 'svc/Containerfile': 'FROM a\n' });
    const [[, result]] = await containerKind.createNodes(
      ['svc/Containerfile'],
      { dockerTargetName: 'image' },
      context(root),
    );
    const target = result.projects?.['svc']?.targets?.['image'];
    expect(target?.configurations).toEqual({ ci: { push: true } });
    expect(target?.inputs).toContainEqual({ env: 'CONTAINER_REGISTRY' });
    expect(target?.dependsOn).toBeUndefined();
  });

  it('reports a bad directive against its file', async () => {
    root = workspace({ 'svc/project.json': '{}', 'svc/Containerfile': '# nx-pipeline: port x\nFROM a\n' });
    await expect(containerKind.createNodes(['svc/Containerfile'], {}, context(root))).rejects.toMatchObject({
      name: 'AggregateCreateNodesError',
    });
  });
});

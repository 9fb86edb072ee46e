import type { CreateDependenciesContext, ProjectGraphExternalNode } from '@nx/devkit';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  lockedPackagesOf,
  lockedTools,
  parseUvLock,
  readUvLockGraph,
  UvLockError,
  uvLockGraph,
} from '@customercare/nx-core';
import { inferenceContext, uvLockFixture, workspaceWith, writeFiles } from '@customercare/nx-core/testing';
import { createUvLockDependencies, uvLockKind } from './uv-lock';

const graphOf = (text: string) => uvLockGraph(parseUvLock(text));

describe('uv.lock in the project graph', () => {
  let root: string;
  beforeEach(() => {
    root = workspaceWith({ 'uv.lock': uvLockFixture() }, 'uv-lock-');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes every locked package a pypi: external node, naming the version only where the lock holds several', async () => {
    const results = await uvLockKind.createNodes(['uv.lock'], {}, inferenceContext(root));
    expect(results).toHaveLength(1);
    const nodes = results[0][1].externalNodes as Record<string, ProjectGraphExternalNode>;
    expect(Object.keys(nodes)).toEqual([
      'pypi:anyio@3.7.1',
      'pypi:anyio@4.11.0',
      'pypi:fastapi',
      'pypi:pydantic',
      'pypi:pytest',
      'pypi:pytest-asyncio',
      'pypi:ruff',
      'pypi:starlette',
    ]);
    expect(nodes['pypi:fastapi']).toEqual({
      type: 'pypi',
      name: 'pypi:fastapi',
      data: { packageName: 'fastapi', version: '0.120.0', hash: expect.any(String) },
    });
    // Workspace members are projects, never external nodes.
    expect(Object.keys(nodes).some((name) => name.includes('api@') || name === 'pypi:kit')).toBe(false);
  });

  it("hashes each node over its whole closure: a transitive bump changes fastapi's hash, not pydantic's", () => {
    const before = graphOf(uvLockFixture()).externalNodes;
    const after = graphOf(uvLockFixture({ starlette: '0.49.0' })).externalNodes;
    expect(after['pypi:starlette'].data.hash).not.toBe(before['pypi:starlette'].data.hash);
    expect(after['pypi:fastapi'].data.hash).not.toBe(before['pypi:fastapi'].data.hash);
    expect(after['pypi:pydantic'].data.hash).toBe(before['pypi:pydantic'].data.hash);
    expect(after['pypi:ruff'].data.hash).toBe(before['pypi:ruff'].data.hash);
  });

  it("gives a project its own packages (dev group included) and its member dependencies' packages (not their dev groups)", () => {
    expect(lockedPackagesOf(root, 'apps/api')).toEqual(['pypi:fastapi', 'pypi:pydantic', 'pypi:pytest-asyncio']);
    expect(lockedPackagesOf(root, 'libs/kit')).toEqual(['pypi:pydantic']);
    expect(lockedPackagesOf(root, 'apps/not-a-member')).toEqual([]);
    expect(lockedTools(root, ['ruff', 'mypy', 'pytest'])).toEqual(['pypi:ruff', 'pypi:pytest']);
  });

  it('draws edges from projects to their packages (from their pyproject.toml) and between packages, resolving pinned versions', async () => {
    const [[, { externalNodes }]] = await uvLockKind.createNodes(['uv.lock'], {}, inferenceContext(root));
    const context = {
      workspaceRoot: root,
      externalNodes,
      projects: { api: { root: 'apps/api' }, kit: { root: 'libs/kit' }, web: { root: 'apps/web' } },
      nxJsonConfiguration: {},
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    } as unknown as CreateDependenciesContext;
    const edges = await createUvLockDependencies(undefined, context);
    expect(edges.filter((edge) => edge.source === 'api')).toEqual([
      { source: 'api', target: 'pypi:fastapi', type: 'static', sourceFile: 'apps/api/pyproject.toml' },
      { source: 'api', target: 'pypi:pytest-asyncio', type: 'static', sourceFile: 'apps/api/pyproject.toml' },
    ]);
    expect(edges.filter((edge) => edge.source === 'web')).toEqual([]);
    expect(edges).toContainEqual({ source: 'pypi:starlette', target: 'pypi:anyio@4.11.0', type: 'static' });
    expect(edges).not.toContainEqual(expect.objectContaining({ source: 'pypi:starlette', target: 'pypi:anyio@3.7.1' }));
  });

  it('names the file and line of a broken lock, and says how to fix it', () => {
    expect(() => parseUvLock('version = 1\n[[package]\nname = "x"\n')).toThrow(UvLockError);
    expect(() => parseUvLock('version = 1\n[[package]\nname = "x"\n')).toThrow(
      /^uv\.lock:2:\d+: not valid TOML: .*Run `uv lock` to rewrite it\.$/,
    );
  });

  it('reads the lock again when it changes on disk, and serves the same graph while it does not', () => {
    const first = readUvLockGraph(root);
    expect(readUvLockGraph(root)).toBe(first);
    writeFiles(root, { 'uv.lock': uvLockFixture({ starlette: '0.49.10' }) });
    expect(readUvLockGraph(root)?.externalNodes['pypi:starlette'].data.version).toBe('0.49.10');
  });

  it('adds nothing without a uv.lock', async () => {
    rmSync(join(root, 'uv.lock'));
    expect(lockedPackagesOf(root, 'apps/api')).toEqual([]);
    expect(lockedTools(root, ['ruff'])).toEqual([]);
  });
});

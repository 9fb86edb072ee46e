import { join } from 'node:path';
import { WORKSPACE_ROOT } from './testing/nx-workspace';
import { callScript } from './testing/script-module';

const SCRIPT = join(WORKSPACE_ROOT, 'tools', 'scripts', 'why-affected.mjs');

const call = (fn: string, ...args: unknown[]) => callScript(SCRIPT, fn, ...args);

describe('why-affected: the reasons', () => {
  // ui -> api -> core, cli -> core, docs alone; tools/nested is a project inside tools.
  const projects = {
    core: { root: 'libs/core', dependencies: [] },
    api: { root: 'apps/api', dependencies: ['core'] },
    ui: { root: 'apps/ui', dependencies: ['api'] },
    cli: { root: 'tools', dependencies: ['core'] },
    nested: { root: 'tools/nested', dependencies: [] },
    docs: { root: 'docs', dependencies: [] },
  };

  it('gives changed files for owners and the shortest dependency path for dependents', async () => {
    const result = await call('explainAffected', {
      projects,
      changedFiles: ['libs/core/a.py', 'libs/core/b.py', 'tools/nested/x.ts', 'README.md'],
      globalFiles: ['nx.json'],
    });
    expect(result).toEqual({
      projects: [
        {
          name: 'api',
          reasons: [{ kind: 'dependency', path: ['core', 'api'], files: ['libs/core/a.py', 'libs/core/b.py'] }],
        },
        {
          name: 'cli',
          reasons: [{ kind: 'dependency', path: ['core', 'cli'], files: ['libs/core/a.py', 'libs/core/b.py'] }],
        },
        { name: 'core', reasons: [{ kind: 'files', files: ['libs/core/a.py', 'libs/core/b.py'] }] },
        { name: 'nested', reasons: [{ kind: 'files', files: ['tools/nested/x.ts'] }] },
        {
          name: 'ui',
          reasons: [{ kind: 'dependency', path: ['core', 'api', 'ui'], files: ['libs/core/a.py', 'libs/core/b.py'] }],
        },
      ],
      unownedFiles: ['README.md'],
    });
  });

  it('marks every project when a workspace-wide file changes, including nx.json shared globals', async () => {
    const globals = (await call('globalFilesOf', {
      namedInputs: { sharedGlobals: ['{workspaceRoot}/gates.json', '{workspaceRoot}/**/*.md'] },
    })) as string[];
    expect(globals).toEqual(expect.arrayContaining(['gates.json', 'nx.json', 'package-lock.json']));
    expect(globals).not.toContain('**/*.md');
    const result = (await call('explainAffected', {
      projects,
      changedFiles: ['package-lock.json', 'docs/x.md'],
      globalFiles: globals,
    })) as { projects: Array<{ name: string; reasons: unknown[] }> };
    expect(result.projects.map((p) => p.name)).toEqual(['api', 'cli', 'core', 'docs', 'nested', 'ui']);
    expect(result.projects.find((p) => p.name === 'docs')?.reasons).toEqual([
      { kind: 'files', files: ['docs/x.md'] },
      { kind: 'global', files: ['package-lock.json'] },
    ]);
  });

  it('gives a uv.lock change to the projects that lock the changed packages, and their dependents; alone it affects nothing', async () => {
    const globals = (await call('globalFilesOf', {})) as string[];
    expect(globals).not.toContain('uv.lock');
    expect(globals).not.toContain('pyproject.toml');
    const result = await call('explainAffected', {
      projects,
      changedFiles: ['uv.lock'],
      globalFiles: globals,
      lockReached: { api: ['starlette'] },
    });
    expect(result).toEqual({
      projects: [
        { name: 'api', reasons: [{ kind: 'lock', packages: ['starlette'] }] },
        { name: 'ui', reasons: [{ kind: 'dependency', path: ['api', 'ui'], files: ['uv.lock'] }] },
      ],
      unownedFiles: [],
    });
    // A lock change no project resolves to (a new member's own entry, say) affects nothing.
    expect(
      await call('explainAffected', { projects, changedFiles: ['uv.lock', 'pyproject.toml'], globalFiles: globals }),
    ).toEqual({ projects: [], unownedFiles: ['pyproject.toml', 'uv.lock'] });
  });
});

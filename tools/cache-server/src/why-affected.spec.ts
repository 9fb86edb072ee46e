import { execFile } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT, createFixtureWorkspace, git, removeAll, runNx } from './testing/nx-workspace';

const SCRIPT = join(WORKSPACE_ROOT, 'tools', 'scripts', 'why-affected.mjs');
const run = promisify(execFile);
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NX_')));

/** Calls an export of tools/scripts/why-affected.mjs (an ES module) in a child Node process. */
async function call(fn: string, ...args: unknown[]): Promise<unknown> {
  const program = `const m = await import(${JSON.stringify(pathToFileURL(SCRIPT).href)});
    process.stdout.write(JSON.stringify(m[${JSON.stringify(fn)}](...JSON.parse(process.argv[1]))));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program, JSON.stringify(args)]);
  return JSON.parse(stdout);
}

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
    const result = await call('explainAffected', { projects, changedFiles: ['libs/core/a.py', 'libs/core/b.py', 'tools/nested/x.ts', 'README.md'], globalFiles: ['nx.json'] });
    expect(result).toEqual({
      projects: [
        { name: 'api', reasons: [{ kind: 'dependency', path: ['core', 'api'], files: ['libs/core/a.py', 'libs/core/b.py'] }] },
        { name: 'cli', reasons: [{ kind: 'dependency', path: ['core', 'cli'], files: ['libs/core/a.py', 'libs/core/b.py'] }] },
        { name: 'core', reasons: [{ kind: 'files', files: ['libs/core/a.py', 'libs/core/b.py'] }] },
        { name: 'nested', reasons: [{ kind: 'files', files: ['tools/nested/x.ts'] }] },
        { name: 'ui', reasons: [{ kind: 'dependency', path: ['core', 'api', 'ui'], files: ['libs/core/a.py', 'libs/core/b.py'] }] },
      ],
      unownedFiles: ['README.md'],
    });
  });

  it('marks every project when a workspace-wide file changes, including nx.json shared globals', async () => {
    const globals = (await call('globalFilesOf', { namedInputs: { sharedGlobals: ['{workspaceRoot}/gates.json', '{workspaceRoot}/**/*.md'] } })) as string[];
    expect(globals).toEqual(expect.arrayContaining(['gates.json', 'nx.json', 'package-lock.json', 'uv.lock']));
    expect(globals).not.toContain('**/*.md');
    const result = (await call('explainAffected', { projects, changedFiles: ['uv.lock', 'docs/x.md'], globalFiles: globals })) as { projects: Array<{ name: string; reasons: unknown[] }> };
    expect(result.projects.map((p) => p.name)).toEqual(['api', 'cli', 'core', 'docs', 'nested', 'ui']);
    expect(result.projects.find((p) => p.name === 'docs')?.reasons).toEqual([
      { kind: 'files', files: ['docs/x.md'] },
      { kind: 'global', files: ['uv.lock'] },
    ]);
  });
});

describe('why-affected: the command on a real workspace', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await createFixtureWorkspace();
    await appendFile(join(workspace, 'libs/a/src/index.js'), '// change a\n');
    await writeFile(join(workspace, 'NOTES.md'), 'not in any project\n');
    git(workspace, 'add', '.');
    git(workspace, 'commit', '-qm', 'change a');
  });
  afterAll(() => removeAll(workspace));

  const why = (...args: string[]) => run(process.execPath, [SCRIPT, ...args], { cwd: workspace, env: { ...cleanEnv(), NX_DAEMON: 'false' } });

  it('explains each project nx affected selects, as JSON and text', async () => {
    const { stdout } = await why('--base', 'HEAD~1', '--head', 'HEAD', '--json');
    const result = JSON.parse(stdout);
    expect(result).toEqual({
      base: 'HEAD~1',
      head: 'HEAD',
      changedFiles: ['NOTES.md', 'libs/a/src/index.js'],
      projects: [
        { name: 'a', reasons: [{ kind: 'files', files: ['libs/a/src/index.js'] }] },
        { name: 'b', reasons: [{ kind: 'dependency', path: ['a', 'b'], files: ['libs/a/src/index.js'] }] },
      ],
      unownedFiles: ['NOTES.md'],
    });

    const nx = await runNx(workspace, ['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json']);
    expect(nx.code).toBe(0);
    expect((JSON.parse(nx.output.slice(nx.output.indexOf('['))) as string[]).sort()).toEqual(result.projects.map((p: { name: string }) => p.name));

    const text = (await why('--base', 'HEAD~1', '--head', 'HEAD')).stdout;
    expect(text).toBe(
      [
        '2 affected projects from 2 changed files (HEAD~1...HEAD):',
        '  a  changed: libs/a/src/index.js',
        '  b  depends on changed a: b -> a',
        'Changed files in no project (affect nothing): NOTES.md',
        '',
      ].join('\n'),
    );
  });

  it('sees uncommitted and untracked files when no head is given', async () => {
    await writeFile(join(workspace, 'libs/c/src/new.js'), 'module.exports = 1;\n');
    const { stdout } = await why('--base', 'HEAD', '--json');
    expect(JSON.parse(stdout).projects).toEqual([{ name: 'c', reasons: [{ kind: 'files', files: ['libs/c/src/new.js'] }] }]);
  });

  it('fails with the fix when a ref does not exist', async () => {
    await expect(why('--base', 'no-such-ref', '--head', 'HEAD')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('fetch-depth: 0'),
    });
  });
});

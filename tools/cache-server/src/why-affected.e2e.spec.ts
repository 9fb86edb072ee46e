import { execFile } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT, createFixtureWorkspace, git, removeAll, runNx } from './testing/nx-workspace';

const SCRIPT = join(WORKSPACE_ROOT, 'tools', 'scripts', 'why-affected.mjs');
const run = promisify(execFile);
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NX_')));

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

  const why = (...args: string[]) =>
    run(process.execPath, [SCRIPT, ...args], { cwd: workspace, env: { ...cleanEnv(), NX_DAEMON: 'false' } });

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
    expect((JSON.parse(nx.output.slice(nx.output.indexOf('['))) as string[]).sort()).toEqual(
      result.projects.map((p: { name: string }) => p.name),
    );

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
    expect(JSON.parse(stdout).projects).toEqual([
      { name: 'c', reasons: [{ kind: 'files', files: ['libs/c/src/new.js'] }] },
    ]);
  });

  it('fails with the fix when a ref does not exist', async () => {
    await expect(why('--base', 'no-such-ref', '--head', 'HEAD')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('fetch-depth: 0'),
    });
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { toolPath } from '@customercare/nx-core';

/** The monorepo root, whose node_modules (with nx) the throw-away workspaces borrow. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');
const NX_PACKAGE = join(WORKSPACE_ROOT, 'node_modules', 'nx', 'package.json');
export const REMOTE_CACHE_SCRIPT = join(WORKSPACE_ROOT, 'tools', 'scripts', 'remote-cache.mjs');
export const NX = join(
  NX_PACKAGE,
  '..',
  (JSON.parse(readFileSync(NX_PACKAGE, 'utf8')) as { bin: { nx: string } }).bin.nx,
);

/**
 * A task that takes a moment and writes an output that could not be recomputed byte for byte
 * (it holds the time and random bytes), so identical bytes in a second clone prove a restore.
 */
const TASK_SCRIPT = `const { mkdirSync, writeFileSync, readFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const target = process.argv[2];
if (process.env.FIXTURE_STARTED_MARKER) writeFileSync(process.env.FIXTURE_STARTED_MARKER, target);
const source = readFileSync('src/index.js', 'utf8');
const until = Date.now() + Number(process.env.FIXTURE_TASK_MS || 300);
while (Date.now() < until) {}
mkdirSync('dist/' + target, { recursive: true });
writeFileSync('dist/' + target + '/result.txt', target + ' ok ' + source.length + ' ' + Date.now() + '\\n');
writeFileSync('dist/' + target + '/blob.bin', randomBytes(2048));
console.log(target + ' of ' + process.cwd().split('/').pop() + ' passed');
`;

export interface FixtureProject {
  name: string;
  dependsOn?: string[];
}

/** Projects a <- b (b depends on a) and c, each with cacheable lint and test targets declaring outputs. */
export const DEFAULT_PROJECTS: FixtureProject[] = [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }, { name: 'c' }];

export async function createFixtureWorkspace(projects: FixtureProject[] = DEFAULT_PROJECTS): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'nx-cache-fixture-'));
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fixture', private: true, workspaces: ['libs/*'] }, null, 2),
    'nx.json': JSON.stringify(
      {
        neverConnectToCloud: true,
        analytics: false,
        targetDefaults: {
          lint: {
            cache: true,
            inputs: ['{projectRoot}/src/**/*', '^{projectRoot}/src/**/*'],
            outputs: ['{projectRoot}/dist/lint'],
          },
          test: {
            cache: true,
            inputs: ['{projectRoot}/src/**/*', '^{projectRoot}/src/**/*'],
            outputs: ['{projectRoot}/dist/test'],
          },
        },
      },
      null,
      2,
    ),
    '.gitignore': 'node_modules\n.nx\ndist\n',
    'tools/task.js': TASK_SCRIPT,
  };
  for (const project of projects) {
    files[`libs/${project.name}/package.json`] = JSON.stringify(
      {
        name: project.name,
        version: '0.0.0',
        private: true,
        dependencies: Object.fromEntries((project.dependsOn ?? []).map((dep) => [dep, '*'])),
        scripts: { lint: 'node ../../tools/task.js lint', test: 'node ../../tools/task.js test' },
      },
      null,
      2,
    );
    files[`libs/${project.name}/src/index.js`] = `module.exports = ${JSON.stringify(project.name)};\n`;
  }
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  await symlink(join(WORKSPACE_ROOT, 'node_modules'), join(root, 'node_modules'));
  git(root, 'init', '--quiet', '--initial-branch=main');
  git(root, 'add', '.');
  git(root, 'commit', '--quiet', '-m', 'fixture');
  return root;
}

/** A fresh clone (own .nx cache folder, no outputs) with node_modules linked in. */
export async function cloneWorkspace(source: string): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'nx-cache-clone-'));
  const clone = join(parent, 'repo');
  git(parent, 'clone', '--quiet', source, clone);
  await symlink(join(WORKSPACE_ROOT, 'node_modules'), join(clone, 'node_modules'));
  return clone;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    toolPath('git', { workspaceRoot: WORKSPACE_ROOT }),
    ['-c', 'user.name=fixture', '-c', 'user.email=fixture@example.com', ...args],
    { cwd, encoding: 'utf8' },
  );
}

export interface NxRun {
  code: number;
  output: string;
}

/**
 * Runs the real nx CLI in `cwd` with a HOME and environment of its own: no daemon, no TUI, no
 * inherited remote-cache variables unless given in `env`.
 */
export function runNx(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  { throughFallback = false }: { throughFallback?: boolean } = {},
): Promise<NxRun> {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('NX_') && key !== 'JEST_WORKER_ID') base[key] = value;
  }
  return new Promise((done, fail) => {
    // throughFallback: as the workflows run nx, `node tools/scripts/remote-cache.mjs -- <nx command>`.
    const argv = throughFallback ? [REMOTE_CACHE_SCRIPT, '--', process.execPath, NX, ...args] : [NX, ...args];
    const child = spawn(process.execPath, argv, {
      cwd,
      env: {
        ...base,
        HOME: join(cwd, '..', `home-${Date.now()}`),
        NX_DAEMON: 'false',
        NX_TUI: 'false',
        NX_NO_CLOUD: 'true',
        NX_ISOLATE_PLUGINS: 'false',
        NX_SKIP_NX_CACHE: undefined,
        FORCE_COLOR: '0',
        npm_config_update_notifier: 'false',
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', fail);
    child.once('close', (code) => done({ code: code ?? 1, output }));
  });
}

export async function removeAll(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((path) => rm(path, { recursive: true, force: true })));
}

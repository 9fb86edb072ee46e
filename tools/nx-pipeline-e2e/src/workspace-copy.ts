import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { linkWorkspaceTools } from '@customercare/nx-core/testing';
import { toolPath } from '@customercare/nx-core';

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/**
 * A throw-away copy of this workspace as it is on disk (tracked files and untracked ones git does
 * not ignore), committed on a fresh `main`, with node_modules, .venv and .cache/bin (the tools
 * setup installed) linked from the original, so the copy's targets run the original's tools.
 */
export function copyWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'ccg-e2e-'));
  const files = git(WORKSPACE_ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const source = join(WORKSPACE_ROOT, file);
    if (!existsSync(source)) continue; // deleted in the working tree
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(source, join(root, file));
  }
  symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(WORKSPACE_ROOT, '.venv'), join(root, '.venv'));
  linkWorkspaceTools(root);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', 'commit', '-qm', 'baseline');
  return root;
}

/** git, as the workspace's tool resolver finds it (never the first one on PATH). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(toolPath('git', { workspaceRoot: WORKSPACE_ROOT }), args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * The environment for an nx child: no daemon, no cloud, and none of the NX_* variables of the nx
 * task that runs this test (they would point the child at the outer workspace and its task).
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('NX_') && !key.startsWith('JEST_')) env[key] = value;
  }
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', ...extra };
}

/** Nx's CLI from the original's node_modules, run by the Node.js that runs the test. */
export function nx(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [require.resolve('nx/bin/nx.js', { paths: [WORKSPACE_ROOT] }), ...args], {
    cwd,
    encoding: 'utf8',
    env: childEnv(extra),
    maxBuffer: 64 * 1024 * 1024,
  });
}

import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResolveOptions } from '../tools/resolve';

const REAL_ROOT = resolve(__dirname, '../../../../..');

/** Resolve options for the real workspace's tools (its .venv and .cache/bin), whatever folder a test scans. */
export const WORKSPACE_TOOLS: ResolveOptions = { workspaceRoot: REAL_ROOT, env: {} };

/**
 * Resolve options for a workspace where setup never ran: the real tools/toolchain.json and uv.lock
 * (so pins and messages are the real ones), but no .venv and no .cache/bin, and no overrides. A new
 * temporary folder each call: the caller removes it (rmSync of its workspaceRoot).
 */
export function bareToolsWorkspace(): ResolveOptions {
  const root = mkdtempSync(join(tmpdir(), 'nx-pipeline-no-tools-'));
  mkdirSync(join(root, 'tools'));
  copyFileSync(join(REAL_ROOT, 'tools/toolchain.json'), join(root, 'tools/toolchain.json'));
  copyFileSync(join(REAL_ROOT, 'uv.lock'), join(root, 'uv.lock'));
  return { workspaceRoot: root, env: {} };
}

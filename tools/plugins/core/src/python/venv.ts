import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export const SETUP_FIX = "Run `npm run setup` (it installs uv and syncs the workspace's .venv from uv.lock).";

/** Absolute path of a console script or interpreter inside the workspace's virtual environment. */
export function venvBin(workspaceRoot: string, venv: string, name: string): string {
  const root = isAbsolute(venv) ? venv : join(workspaceRoot, venv);
  return join(root, 'bin', name);
}

/**
 * Resolves a tool from the virtual environment, or explains how to get it. Checking first turns
 * "spawn ENOENT" into a sentence naming the missing file and the command that creates it.
 */
export function requireVenvTool(workspaceRoot: string, venv: string, name: string, purpose: string): string {
  const path = venvBin(workspaceRoot, venv, name);
  if (!existsSync(path)) {
    throw new Error(
      `Unable to ${purpose}: ${path} does not exist. ${SETUP_FIX} ` +
        `If your environment lives elsewhere, set the \`venv\` option of the target.`,
    );
  }
  return path;
}

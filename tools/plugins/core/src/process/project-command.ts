import { isAbsolute, join, resolve } from 'node:path';
import { ToolNotFoundError } from './run';
import { executorTools, isExecutable, nodeRuntimeTool, resolveTool, SYSTEM_DIRS } from '../tools/resolve';
import { toolSpec } from '../tools/toolchain';

/**
 * The absolute executable of a command a project's config names (a perf service's `command`, a
 * release's, a backup's), which is not one of tools/toolchain.json's tools: an absolute path as it
 * is; a relative path (`./serve.sh`) from `cwd`; `node` (npm, npx) is the Node running this; a name is looked
 * for in `folders` (the workspace's .venv/bin, so `python` is the project's), then through the
 * resolver when tools/toolchain.json lists it, then in the system's folders. Never PATH, never a
 * home folder. Throws a ToolNotFoundError naming where it looked and the fix.
 */
export function projectExecutable(
  name: string,
  options: { cwd: string; folders?: readonly string[]; workspaceRoot?: string; what?: string },
): string {
  if (isAbsolute(name)) return name;
  if (name.includes('/')) return resolve(options.cwd, name);
  if (name === 'node' || name === 'npm' || name === 'npx') return nodeRuntimeTool(name);
  const folders = options.folders ?? [];
  const local = folders.map((folder) => join(folder, name)).find(isExecutable);
  if (local) return local;
  const tools = executorTools();
  const workspaceRoot = options.workspaceRoot ?? tools.workspaceRoot;
  let listed = false;
  try {
    toolSpec(workspaceRoot, name);
    listed = true;
  } catch {
    // Not a toolchain tool: a system command such as python3 or sh.
  }
  // A toolchain tool is found (and version-checked) the one way, or fails with its fix.
  if (listed) return resolveTool(name, { ...tools, workspaceRoot }).path;
  const system = SYSTEM_DIRS.map((folder) => join(folder, name)).find(isExecutable);
  if (system) return system;
  throw new ToolNotFoundError(
    `Unable to run ${options.what ?? name}: ${name} is not in ${[...folders, ...SYSTEM_DIRS].join(', ')}. ` +
      'Run `npm run setup` (it creates .venv with the project), or give the command as an absolute path.',
  );
}

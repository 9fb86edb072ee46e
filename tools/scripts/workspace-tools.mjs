// How the workspace's scripts start Nx and external tools: never by a bare name looked up on PATH,
// where a developer's own copy (or a CI runner's) would answer instead of the workspace's.
//   - Nx: its own CLI, run by the Node.js that runs the script (the workspace's node_modules/nx).
//   - Every other tool: the checked path from the one resolver (tools/plugins/core/src/tools/resolve.ts,
//     over tools/toolchain.json), loaded on first use only, since it costs the TypeScript loader.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The workspace these scripts belong to: tools are resolved from it, whatever the current folder. */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `nx <args>` as [command, argv] for spawn: Nx's CLI from node_modules, run with this Node.js. */
export function nxCommand(args) {
  return [process.execPath, [require.resolve('nx/bin/nx.js'), ...args]];
}

/**
 * The checked absolute path of a tool of tools/toolchain.json. Throws the resolver's ToolError,
 * whose message ends with the fix, when it is missing or at the wrong version.
 */
export function toolPath(name) {
  require('@swc-node/register');
  const { toolPath: resolveToolPath } = require('@customercare/nx-core/src/tools/resolve.ts');
  return resolveToolPath(name, { workspaceRoot: WORKSPACE_ROOT });
}

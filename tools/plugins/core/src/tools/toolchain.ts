import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a tool comes from:
 * - workspace: setup installs it, at a pinned version, into the workspace's .cache/bin;
 * - venv: a package locked in uv.lock, installed into .venv by `uv sync` (its version is the locked one);
 * - system: a system package (apt), found in the system's own folders;
 * - external: not installed by setup (optional engines, scanners and deploy CLIs).
 */
export type ToolKind = 'workspace' | 'venv' | 'system' | 'external';

export interface ToolSpec {
  name: string;
  kind: ToolKind;
  /** The pinned version (workspace tools). */
  version?: string;
  /** The oldest version that works (system tools with a floor, e.g. HAProxy 2.6). */
  minVersion?: string;
  /** The uv.lock package that provides a venv tool (its locked version is the pin). */
  package?: string;
  /** The environment variable that overrides where the tool is: an absolute path. */
  env: string;
  versionArgs: string[];
  /** The first capture group is the version, matched against stdout then stderr. */
  versionPattern: string;
  /** Exit codes of the version command that still mean "it ran" (wrk -v exits 1). */
  versionExitCodes?: number[];
  /** Extra system folders (globs of one `*`), searched after the standard ones. */
  systemPaths?: string[];
  installedBy: string;
  neededBy: string[];
}

/** The file that lists every tool: kind, pin, override, installer and the targets that need it. */
export const TOOLCHAIN_FILE = 'tools/toolchain.json';

const cache = new Map<string, Map<string, ToolSpec>>();

/** The tools of the workspace at `workspaceRoot`, by name (read once per process and root). */
export function loadToolchain(workspaceRoot: string): Map<string, ToolSpec> {
  const known = cache.get(workspaceRoot);
  if (known) return known;
  const file = join(workspaceRoot, TOOLCHAIN_FILE);
  let raw: { tools?: Record<string, Omit<ToolSpec, 'name'>> };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
  } catch (error) {
    throw new Error(
      `Unable to read the tool list ${file}: ${(error as Error).message}. It is part of the repository: restore it with \`git checkout -- ${TOOLCHAIN_FILE}\`.`,
    );
  }
  const tools = new Map<string, ToolSpec>();
  for (const [name, spec] of Object.entries(raw.tools ?? {})) {
    const problems = [
      !['workspace', 'venv', 'system', 'external'].includes(spec.kind) &&
        `kind must be workspace, venv, system or external (got ${JSON.stringify(spec.kind)})`,
      spec.kind === 'workspace' && !spec.version && 'a workspace tool needs its pinned "version"',
      spec.kind === 'venv' && !spec.package && 'a venv tool needs the uv.lock "package" that provides it',
      !/^[A-Z][A-Z0-9_]*$/.test(spec.env ?? '') && '"env" must name an environment variable (e.g. "K6")',
      !Array.isArray(spec.versionArgs) && '"versionArgs" must be an array',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${file}: tool "${name}": ${problems.join('; ')}.`);
    tools.set(name, { ...spec, name });
  }
  cache.set(workspaceRoot, tools);
  return tools;
}

export function toolSpec(workspaceRoot: string, name: string): ToolSpec {
  const spec = loadToolchain(workspaceRoot).get(name);
  if (!spec)
    throw new Error(
      `No tool "${name}" in ${TOOLCHAIN_FILE}: add it there (kind, version, installer) before code runs it.`,
    );
  return spec;
}

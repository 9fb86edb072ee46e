import { workspaceRoot as nxWorkspaceRoot } from '@nx/devkit';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseUvLock } from '../config/uv-lock';
import { runToolSync } from '../process/run-sync';
import type { ToolResult } from '../process/run';
import { venvBin } from '../python/venv';
import { toolSpec, type ToolSpec } from './toolchain';

/**
 * The one way code finds an external tool. In order:
 *   1. an explicit override: the tool's environment variable (`K6=/opt/k6/bin/k6`), an absolute path;
 *   2. the workspace's own copies: the target's virtual environment for Python tools locked in
 *      uv.lock, then `.cache/bin`, where setup installs or links every tool it installs;
 *   3. the system's package folders (/usr/local/bin, /usr/bin, ... and per-tool ones such as
 *      /usr/lib/postgresql/<n>/bin).
 * PATH is never searched, so a tool a developer happened to install in a home folder (~/go/bin,
 * ~/.local/bin, a pyenv shim) is never picked: what works here works on a fresh clone after setup.
 * A tool that is missing, or at another version than the pinned one, is a ToolError whose message
 * ends with the one fix to run.
 */

export type ToolOrigin = 'override' | 'venv' | 'workspace' | 'system';

export interface ResolvedTool {
  name: string;
  path: string;
  origin: ToolOrigin;
  /** The version it reported, when it was checked. */
  version?: string;
}

export interface ResolveOptions {
  workspaceRoot: string;
  /** The Python virtual environment for venv tools (absolute, or relative to the workspace); default .venv. */
  venv?: string;
  /** Where overrides are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type ToolErrorCode = 'TOOL_MISSING' | 'TOOL_VERSION' | 'TOOL_BROKEN' | 'TOOL_OVERRIDE';

export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    readonly code: ToolErrorCode,
    readonly tool: string,
    message: string,
    readonly fix: string,
  ) {
    super(`${message} ${fix}`);
  }
}

/** The system's own folders for executables: never a home folder, never PATH. */
export const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The workspace folder setup installs or links every tool into. */
export const TOOLS_BIN = '.cache/bin';

/** The fix for a missing or wrong tool, as one sentence naming the command and the installer. */
export function toolFix(spec: ToolSpec): string {
  switch (spec.kind) {
    case 'workspace':
      return `Run \`npm run setup\` (${spec.installedBy} installs ${spec.name} ${spec.version} into ${TOOLS_BIN}), or set ${spec.env} to the path of ${spec.name} ${spec.version}.`;
    case 'venv':
      return `Run \`npm run setup\` (it syncs .venv from uv.lock, which locks ${spec.package}), or set ${spec.env} to the path of ${spec.name}.`;
    case 'system':
      return `Run \`npm run setup\` (${spec.installedBy} installs it with apt, through sudo when not root), or set ${spec.env} to its path.`;
    case 'external':
      return `Install it (${spec.installedBy}) and set ${spec.env} to its path, or put it in /usr/local/bin.`;
  }
}

/** A regular file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Expands a folder pattern with one `*` segment (e.g. /usr/lib/postgresql/x/bin), newest name first. */
function expandFolder(pattern: string): string[] {
  const star = pattern.split('/').indexOf('*');
  if (star < 0) return [pattern];
  const parts = pattern.split('/');
  const parent = parts.slice(0, star).join('/') || '/';
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
    .map((name) => [parent, name, ...parts.slice(star + 1)].join('/'));
}

/** Where the tool may be, in the order it is looked for (the override is handled before). */
export function candidatePaths(spec: ToolSpec, options: ResolveOptions): Array<{ path: string; origin: ToolOrigin }> {
  const candidates: Array<{ path: string; origin: ToolOrigin }> = [];
  if (spec.kind === 'venv')
    candidates.push({ path: venvBin(options.workspaceRoot, options.venv ?? '.venv', spec.name), origin: 'venv' });
  candidates.push({ path: join(options.workspaceRoot, TOOLS_BIN, spec.name), origin: 'workspace' });
  for (const folder of [...SYSTEM_DIRS, ...(spec.systemPaths ?? []).flatMap(expandFolder)]) {
    candidates.push({ path: join(folder, spec.name), origin: 'system' });
  }
  return candidates;
}

/** Finds the tool without running it: undefined when it is nowhere. An override that does not exist is an error. */
export function findTool(name: string, options: ResolveOptions): ResolvedTool | undefined {
  const spec = toolSpec(options.workspaceRoot, name);
  const override = (options.env ?? process.env)[spec.env];
  if (override) {
    if (!isAbsolute(override) || !isExecutable(override)) {
      throw new ToolError(
        'TOOL_OVERRIDE',
        name,
        `${spec.env}=${override} is not an executable file (it must be an absolute path).`,
        `Unset ${spec.env}, or point it at ${name}${spec.version ? ` ${spec.version}` : ''}.`,
      );
    }
    return { name, path: override, origin: 'override' };
  }
  const found = candidatePaths(spec, options).find((candidate) => isExecutable(candidate.path));
  return found && { name, ...found };
}

// -- versions ------------------------------------------------------------------------------------

const lockedVersions = new Map<string, Map<string, string>>();

/** The version uv.lock pins for a package, or undefined when it is not locked. */
export function lockedVersion(workspaceRoot: string, pkg: string): string | undefined {
  let versions = lockedVersions.get(workspaceRoot);
  if (!versions) {
    versions = new Map();
    const lock = join(workspaceRoot, 'uv.lock');
    if (existsSync(lock)) {
      for (const entry of parseUvLock(readFileSync(lock, 'utf8'), lock))
        if (entry.memberRoot === undefined) versions.set(entry.name, entry.version);
    }
    lockedVersions.set(workspaceRoot, versions);
  }
  return versions.get(pkg);
}

/** The version a tool must be: the pin, the locked version, or a floor (">= 2.6"); undefined when any will do. */
export function wantedVersion(spec: ToolSpec, workspaceRoot: string): { exact?: string; min?: string } {
  if (spec.version) return { exact: spec.version };
  if (spec.package) return { exact: lockedVersion(workspaceRoot, spec.package) };
  if (spec.minVersion) return { min: spec.minVersion };
  return {};
}

const VERSION_CACHE = '.cache/tools/versions.json';

/**
 * Runs the tool's version command, remembering the answer on disk per binary (real path, size and
 * modification time), so a pinned tool is checked once per install, not once per task.
 */
export function probeVersion(
  spec: ToolSpec,
  path: string,
  workspaceRoot: string,
): { version?: string; problem?: string } {
  let key: string;
  try {
    const real = realpathSync(path);
    const stat = statSync(real);
    key = `${real}:${stat.size}:${Math.trunc(stat.mtimeMs)}:${spec.versionArgs.join(' ')}`;
  } catch (error) {
    return { problem: (error as Error).message };
  }
  const cacheFile = join(workspaceRoot, VERSION_CACHE);
  let known: Record<string, string> = {};
  try {
    known = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, string>;
  } catch {
    // No cache yet (or a torn one): probe.
  }
  if (known[key]) return { version: known[key] };
  let result: ToolResult;
  try {
    // The path is absolute: the runner spawns it as it is (no resolution, so no recursion).
    result = runToolSync(
      {
        label: `${spec.name} ${spec.versionArgs.join(' ')}`,
        command: path,
        args: spec.versionArgs,
        cwd: '',
        env: { SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off', K6_NO_USAGE_REPORT: 'true' },
      },
      { timeoutMs: 60_000 },
    );
  } catch (error) {
    return { problem: `\`${path} ${spec.versionArgs.join(' ')}\` ${(error as Error).message}` };
  }
  const ok = !result.timedOut && (spec.versionExitCodes ?? [0]).includes(result.exitCode);
  // eslint-disable-next-line security/detect-non-literal-regexp -- the pattern is the committed tools/toolchain.json's
  const pattern = new RegExp(spec.versionPattern, 'm');
  const version = ok ? (pattern.exec(result.stdout)?.[1] ?? pattern.exec(result.stderr)?.[1]) : undefined;
  if (!version) {
    const said = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-2).join(' | ').slice(0, 200);
    const how = result.timedOut ? 'did not answer within 60 s' : `exited with ${result.signal ?? result.exitCode}`;
    return { problem: `\`${path} ${spec.versionArgs.join(' ')}\` ${how}${said ? `: ${said}` : ''}` };
  }
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const temp = `${cacheFile}.${process.pid}`;
    writeFileSync(temp, JSON.stringify({ ...known, [key]: version }, null, 2));
    renameSync(temp, cacheFile);
  } catch {
    // A read-only workspace only costs the next probe.
  }
  return { version };
}

const normalise = (version: string) => version.replace(/^v/, '');

/** Compares dotted versions numerically (1.10 > 1.9); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = normalise(a).split(/[.+-]/);
  const pb = normalise(b).split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i] ?? '0', pb[i] ?? '0'];
    const diff = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Why the found version does not do, or undefined when it does. */
export function versionProblem(spec: ToolSpec, found: string, workspaceRoot: string): string | undefined {
  const { exact, min } = wantedVersion(spec, workspaceRoot);
  if (exact && normalise(found) !== normalise(exact)) return `is version ${found}, not the pinned ${exact}`;
  if (min && compareVersions(found, min) < 0) return `is version ${found}, older than the ${min} it needs`;
  return undefined;
}

const resolved = new Map<string, ResolvedTool>();

/**
 * The tool's absolute path, checked: found, runnable, and at the version the workspace pins (or
 * its floor). Throws a ToolError with the fix otherwise. Answers are kept for the process.
 */
export function resolveTool(name: string, options: ResolveOptions): ResolvedTool {
  const spec = toolSpec(options.workspaceRoot, name);
  const env = options.env ?? process.env;
  const memo = `${options.workspaceRoot}\0${options.venv ?? ''}\0${name}\0${env[spec.env] ?? ''}`;
  const known = resolved.get(memo);
  if (known && isExecutable(known.path)) return known;
  const fix = toolFix(spec);
  const found = findTool(name, options);
  if (!found) {
    const where = candidatePaths(spec, options)
      .filter((c) => c.origin !== 'system')
      .map((c) => c.path);
    throw new ToolError(
      'TOOL_MISSING',
      name,
      `${name} is not installed: not in ${[...where, 'the system folders'].join(', ')} (${spec.env} is not set; PATH is not searched).`,
      fix,
    );
  }
  const wanted = wantedVersion(spec, options.workspaceRoot);
  if (wanted.exact || wanted.min) {
    const { version, problem } = probeVersion(spec, found.path, options.workspaceRoot);
    if (!version) throw new ToolError('TOOL_BROKEN', name, `${name} at ${found.path} does not run: ${problem}.`, fix);
    const wrong = versionProblem(spec, version, options.workspaceRoot);
    if (wrong) throw new ToolError('TOOL_VERSION', name, `${name} at ${found.path} (${found.origin}) ${wrong}.`, fix);
    found.version = version;
  }
  resolved.set(memo, found);
  return found;
}

/** Shorthand: the checked absolute path of a tool. */
export function toolPath(name: string, options: ResolveOptions): string {
  return resolveTool(name, options).path;
}

/**
 * Resolve options for an executor: the tools of the workspace Nx runs in (@nx/devkit's
 * workspaceRoot), with the target's virtual environment for Python tools (a relative `venv` is the
 * project workspace's, `projectWorkspace`). A test that runs an executor on a throw-away fixture
 * workspace so still uses the real workspace's tools, and the fixture's own venv.
 */
export function executorTools(venv?: string, projectWorkspace: string = nxWorkspaceRoot): ResolveOptions {
  return { workspaceRoot: nxWorkspaceRoot, venv: venv && !isAbsolute(venv) ? join(projectWorkspace, venv) : venv };
}

/** npm, npx and node come with the Node.js that runs this process, wherever it is installed. */
export function nodeRuntimeTool(name: 'node' | 'npm' | 'npx'): string {
  return name === 'node' ? process.execPath : join(dirname(process.execPath), name);
}

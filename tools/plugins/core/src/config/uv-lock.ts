import { hashArray, type ProjectGraphExternalNode } from '@nx/devkit';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { storedUvLockGraph } from './uv-lock-store';

/**
 * uv.lock in the project graph. Every locked PyPI package becomes an external node
 * (`pypi:<name>`, like Nx's `npm:<name>` nodes), each Python project gets an edge to the packages it
 * depends on (its dependencies, extras and dependency groups as locked), and each package an edge
 * to its own dependencies. So:
 *
 * - a task's hash covers exactly the locked packages its project resolves to: each Python target
 *   names them, and the tools it runs, in `{ externalDependencies: [...] }` (as npm targets name
 *   `eslint`), and each node's hash is a digest of the package and everything it pulls in, so a
 *   transitive bump changes the hash too. (Nx does not hash a project's external nodes through
 *   `^production`, and without an externalDependencies input it hashes every external node.)
 * - uv.lock is no target's input: adding a uv workspace member (which rewrites uv.lock and the root
 *   pyproject.toml) affects only the new project. Which projects a dependency bump affects is
 *   worked out from these nodes by tools/scripts/affected.mjs (see README, "Affected").
 */
export const UV_LOCK = 'uv.lock';
export const PYPI_PREFIX = 'pypi:';

interface DependencyRef {
  name: string;
  version?: string;
}

interface RawPackage {
  name?: unknown;
  version?: unknown;
  source?: Record<string, unknown>;
  dependencies?: DependencyRef[];
  'optional-dependencies'?: Record<string, DependencyRef[]>;
  'dev-dependencies'?: Record<string, DependencyRef[]>;
  sdist?: { hash?: string };
  wheels?: Array<{ hash?: string }>;
}

export interface LockedPackage {
  name: string;
  version: string;
  /** The folder of a workspace member (`source = { editable | virtual = "..." }`), else undefined. */
  memberRoot?: string;
  /** What identifies this exact artifact: version, source and the sdist and wheel hashes. */
  fingerprint: string;
  /** Its dependencies and extras, as locked: what it brings to whoever installs it. */
  dependencies: DependencyRef[];
  /** Its dependency groups (dev): installed only when the package is itself the project. */
  groups: DependencyRef[];
}

export class UvLockError extends Error {
  override name = 'UvLockError';
}

/** Reads uv.lock's packages; a syntax error names the file and line. */
export function parseUvLock(text: string, file = UV_LOCK): LockedPackage[] {
  let data: { package?: RawPackage[] };
  try {
    data = parse(text) as typeof data;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new UvLockError(
        `${file}:${error.line}:${error.column}: not valid TOML: ${error.message.split('\n')[0]}. Run \`uv lock\` to rewrite it.`,
      );
    }
    throw error;
  }
  return (data.package ?? []).map((raw, index) => {
    if (typeof raw.name !== 'string')
      throw new UvLockError(`${file}: [[package]] #${index + 1} has no name. Run \`uv lock\` to rewrite the file.`);
    const source = raw.source ?? {};
    const memberRoot =
      typeof source['editable'] === 'string'
        ? source['editable']
        : typeof source['virtual'] === 'string'
          ? source['virtual']
          : undefined;
    const refs = (list: DependencyRef[]) => list.map(({ name, version: pinned }) => ({ name, version: pinned }));
    const artifacts = [raw.sdist?.hash, ...(raw.wheels ?? []).map((wheel) => wheel.hash)]
      .filter((hash): hash is string => typeof hash === 'string')
      .sort();
    const version = typeof raw.version === 'string' ? raw.version : '0';
    return {
      name: raw.name,
      version,
      memberRoot: memberRoot === undefined ? undefined : memberRoot.replace(/^\.\/?/, '') || '.',
      fingerprint: [raw.name, version, JSON.stringify(source), ...artifacts].join(' '),
      dependencies: refs([...(raw.dependencies ?? []), ...Object.values(raw['optional-dependencies'] ?? {}).flat()]),
      groups: refs(Object.values(raw['dev-dependencies'] ?? {}).flat()),
    };
  });
}

export interface UvLockGraph {
  externalNodes: Record<string, ProjectGraphExternalNode>;
  /** pypi node -> the pypi nodes it depends on. */
  packageEdges: Record<string, string[]>;
  /** Workspace member folder -> the pypi nodes it depends on directly (its groups included). */
  memberEdges: Record<string, string[]>;
  /**
   * Workspace member folder -> every pypi node its environment gets directly: its own, and those
   * of the members it depends on (their dependencies, not their groups). A target names these in
   * `externalDependencies`; each node's hash covers what lies below it.
   */
  memberPackages: Record<string, string[]>;
}

/**
 * The graph view of a lock. Node names are `pypi:<name>`, or `pypi:<name>@<version>` when the lock
 * holds a package in several versions (uv's forked resolutions). A node's hash digests the package
 * and its whole closure, so Nx sees a change anywhere below a project's direct dependencies.
 */
export function uvLockGraph(packages: LockedPackage[]): UvLockGraph {
  const byName = new Map<string, LockedPackage[]>();
  for (const pkg of packages) byName.set(pkg.name, [...(byName.get(pkg.name) ?? []), pkg]);
  const nodeName = (pkg: LockedPackage) =>
    `${PYPI_PREFIX}${pkg.name}${(byName.get(pkg.name)?.length ?? 0) > 1 ? `@${pkg.version}` : ''}`;
  const resolve = (ref: DependencyRef): LockedPackage | undefined => {
    const candidates = byName.get(ref.name) ?? [];
    return candidates.find((pkg) => ref.version === undefined || pkg.version === ref.version) ?? candidates[0];
  };
  const resolved = (refs: DependencyRef[]) =>
    refs.map(resolve).filter((dep): dep is LockedPackage => dep !== undefined);
  const external = (refs: DependencyRef[]) =>
    resolved(refs)
      .filter((dep) => dep.memberRoot === undefined)
      .map(nodeName);
  const edgesOf = (pkg: LockedPackage) => [...new Set(external([...pkg.dependencies, ...pkg.groups]))].sort();
  const packagesOf = (member: LockedPackage): string[] => {
    const names = new Set(edgesOf(member));
    const seen = new Set<LockedPackage>([member]);
    const stack = resolved([...member.dependencies, ...member.groups]).filter((dep) => dep.memberRoot !== undefined);
    while (stack.length > 0) {
      const dep = stack.pop() as LockedPackage;
      if (seen.has(dep)) continue;
      seen.add(dep);
      for (const name of external(dep.dependencies)) names.add(name);
      stack.push(...resolved(dep.dependencies).filter((next) => next.memberRoot !== undefined));
    }
    return [...names].sort();
  };

  const locked = packages.filter((pkg) => pkg.memberRoot === undefined);
  const packageEdges = Object.fromEntries(locked.map((pkg) => [nodeName(pkg), edgesOf(pkg)]));
  const fingerprints = new Map(locked.map((pkg) => [nodeName(pkg), pkg.fingerprint]));
  const closureHash = (start: string): string => {
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const next of packageEdges[stack.pop() as string] ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return hashArray([...seen].sort().map((name) => fingerprints.get(name) ?? name));
  };
  const externalNodes: Record<string, ProjectGraphExternalNode> = Object.fromEntries(
    locked.map((pkg) => [
      nodeName(pkg),
      {
        type: 'pypi',
        name: nodeName(pkg),
        data: { packageName: pkg.name, version: pkg.version, hash: closureHash(nodeName(pkg)) },
      },
    ]),
  );
  const members = packages.filter((pkg) => pkg.memberRoot !== undefined);
  const memberEdges = Object.fromEntries(members.map((pkg) => [pkg.memberRoot as string, edgesOf(pkg)]));
  const memberPackages = Object.fromEntries(members.map((pkg) => [pkg.memberRoot as string, packagesOf(pkg)]));
  return { externalNodes, packageEdges, memberEdges, memberPackages };
}

/**
 * The last read of each lock: its size and mtime, content hash and graph. Every Python project,
 * perf scenario and Containerfile asks for the lock during one graph computation; a stat answers
 * them all after the first read, and an unchanged content (a touched file) is not parsed again.
 */
const lastRead = new Map<string, { stamp: string; hash: string; graph: UvLockGraph }>();

export function readUvLockGraph(workspaceRoot: string): UvLockGraph | undefined {
  const path = join(workspaceRoot, UV_LOCK);
  if (!existsSync(path)) return undefined;
  const { size, mtimeMs } = statSync(path);
  const stamp = `${size}:${mtimeMs}`;
  const last = lastRead.get(path);
  if (last?.stamp === stamp) return last.graph;
  const text = readFileSync(path, 'utf8');
  const hash = hashArray([text]);
  const graph = last?.hash === hash ? last.graph : storedUvLockGraph(hash, () => uvLockGraph(parseUvLock(text)));
  lastRead.set(path, { stamp, hash, graph });
  return graph;
}

/** The pypi nodes a project's environment gets (see memberPackages); empty outside the uv workspace. */
export function lockedPackagesOf(workspaceRoot: string, projectRoot: string): string[] {
  return readUvLockGraph(workspaceRoot)?.memberPackages[projectRoot === '' ? '.' : projectRoot] ?? [];
}

/** Of `names` (e.g. ['ruff', 'mypy']), the pypi nodes the workspace's lock holds, for `externalDependencies` inputs. */
export function lockedTools(workspaceRoot: string, names: readonly string[]): string[] {
  const graph = readUvLockGraph(workspaceRoot);
  if (graph === undefined) return [];
  return names.map((name) => `${PYPI_PREFIX}${name}`).filter((node) => node in graph.externalNodes);
}

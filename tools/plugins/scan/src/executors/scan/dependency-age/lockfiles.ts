import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse as parseToml } from 'smol-toml';

export type Ecosystem = 'npm' | 'pypi';

/** One package version a lockfile pins, and the line of the lockfile that names it. */
export interface LockedPackage {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** Workspace-relative lockfile. */
  lockfile: string;
  line: number;
}

/** The nearest `file` at or above the project, up to the workspace root. */
export function findUp(workspaceRoot: string, projectRoot: string, file: string): string | undefined {
  let folder = join(workspaceRoot, projectRoot);
  for (;;) {
    const candidate = join(folder, file);
    if (existsSync(candidate)) return candidate;
    if (folder === workspaceRoot || dirname(folder) === folder) return undefined;
    folder = dirname(folder);
  }
}

interface NpmLockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  inBundle?: boolean;
}

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

/**
 * Every registry package package-lock.json (v2/v3) pins, dev dependencies included: `npm ci`
 * installs (and runs the install scripts of) all of them. Workspace links, bundled packages and
 * git/file sources are not on the registry and are left out.
 */
export function npmLockedPackages(
  workspaceRoot: string,
  lockfilePath: string,
): LockedPackage[] | { unavailable: string } {
  const text = readFileSync(lockfilePath, 'utf8');
  const lock = JSON.parse(text) as { lockfileVersion?: number; packages?: Record<string, NpmLockEntry> };
  const lockfile = relative(workspaceRoot, lockfilePath);
  if (!lock.packages || (lock.lockfileVersion ?? 1) < 2) {
    return {
      unavailable: `${lockfile} is lockfile v1, which has no \`packages\` map: run \`npm install\` with npm 7 or newer`,
    };
  }
  const seen = new Set<string>();
  const packages: LockedPackage[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    const at = key.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || entry.inBundle || !entry.version) continue;
    if (entry.resolved && !/^https?:\/\//.test(entry.resolved)) continue;
    const name = entry.name ?? key.slice(at + 'node_modules/'.length);
    const id = `${name}@${entry.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    packages.push({ ecosystem: 'npm', name, version: entry.version, lockfile, line: lineOf(text, `"${key}": {`) });
  }
  return packages;
}

interface UvLockPackage {
  name: string;
  version?: string;
  source?: { registry?: string };
}

/**
 * Every package uv.lock pins from a registry (dev groups included: `uv sync` installs them);
 * workspace members, editable, path and git sources are left out.
 */
export function uvLockedPackages(workspaceRoot: string, lockfilePath: string): LockedPackage[] {
  const text = readFileSync(lockfilePath, 'utf8');
  const lock = parseToml(text) as { package?: UvLockPackage[] };
  const lockfile = relative(workspaceRoot, lockfilePath);
  return (lock.package ?? [])
    .filter((entry) => entry.source?.registry !== undefined && entry.version !== undefined)
    .map((entry) => ({
      ecosystem: 'pypi' as const,
      name: entry.name,
      version: entry.version as string,
      lockfile,
      line: lineOf(text, `name = "${entry.name}"\nversion = "${entry.version}"`),
    }));
}

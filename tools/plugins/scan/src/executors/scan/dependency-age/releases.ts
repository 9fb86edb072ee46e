import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ecosystem, LockedPackage } from './lockfiles';

/** Where publish times come from, and where they are kept between runs. */
export interface RegistrySettings {
  /** npm registry root; packuments are read from `<npmRegistry>/<name>`. */
  npmRegistry: string;
  /** PyPI JSON API root; projects are read from `<pypiJsonApi>/<name>/json`. */
  pypiJsonApi: string;
  /** Absolute folder of the cache: one file per ecosystem, name and version. */
  cacheDir: string;
}

/** What the gate needs to know about one locked version; what the cache holds. */
export interface ReleaseFacts {
  /** When the locked version was published (npm: the packument's `time`; PyPI: its first file's upload_time). */
  published: string;
  /** The first stable release above the locked one (the earliest published), or null when there was none. */
  newer: { version: string; published: string } | null;
  /** When the registry was asked; a null `newer` is asked again after NEWER_RELEASE_RECHECK_HOURS. */
  checkedAt: string;
}

/**
 * A publish time never changes and a newer release, once out, stays out: both are cached for good.
 * "No newer release yet" is the one answer that goes stale, so it is asked again after a day.
 */
export const NEWER_RELEASE_RECHECK_HOURS = 24;

/** A registry's release history of one package: version -> publish time, and the versions still installable. */
export interface ReleaseHistory {
  published: Record<string, string>;
  installable: Set<string>;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
}

const TIMEOUT_MS = 30_000;

function npmUrl(settings: RegistrySettings, name: string): string {
  return `${settings.npmRegistry.replace(/\/$/, '')}/${name.replace('/', '%2f')}`;
}

function pypiUrl(settings: RegistrySettings, name: string): string {
  return `${settings.pypiJsonApi.replace(/\/$/, '')}/${name.toLowerCase().replace(/[-_.]+/g, '-')}/json`;
}

async function getJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'follow',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new RegistryError(`GET ${url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok) throw new RegistryError(`GET ${url} answered ${response.status} ${response.statusText}`);
  try {
    return await response.json();
  } catch (error) {
    throw new RegistryError(`GET ${url} answered with no JSON: ${(error as Error).message}`);
  }
}

/** A packument's `time` (https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md#getpackage). */
export function npmHistory(packument: unknown): ReleaseHistory {
  const doc = packument as { time?: Record<string, string>; versions?: Record<string, unknown> };
  const published = Object.fromEntries(
    Object.entries(doc.time ?? {}).filter(([key]) => key !== 'created' && key !== 'modified'),
  );
  return { published, installable: new Set(Object.keys(doc.versions ?? {})) };
}

/** PyPI's JSON API (https://docs.pypi.org/api/json/): a release is published when its first file was uploaded. */
export function pypiHistory(project: unknown): ReleaseHistory {
  const doc = project as { releases?: Record<string, Array<{ upload_time_iso_8601?: string; yanked?: boolean }>> };
  const published: Record<string, string> = {};
  const installable = new Set<string>();
  for (const [version, files] of Object.entries(doc.releases ?? {})) {
    const times = files
      .map((file) => file.upload_time_iso_8601)
      .filter((time): time is string => typeof time === 'string');
    if (times.length === 0) continue;
    published[version] = times.reduce((first, time) => (Date.parse(time) < Date.parse(first) ? time : first));
    if (files.some((file) => !file.yanked)) installable.add(version);
  }
  return { published, installable };
}

/** Release segments of a stable version (npm `1.2.3`, PEP 440 `1.2` / `1.2.3`), or null for a pre-release. */
function stableRelease(ecosystem: Ecosystem, version: string): number[] | null {
  const segments = (ecosystem === 'npm' ? version.split('+', 1)[0] : version).split('.');
  const stable = segments.every((segment) => /^\d+$/.test(segment)) && (ecosystem !== 'npm' || segments.length === 3);
  return stable ? segments.map(Number) : null;
}

/** The numeric release part of any version, pre-releases included (`2.0.0-rc.1` -> 2,0,0; `1.2rc1` -> 1,2). */
function releasePart(version: string): number[] {
  const segments: number[] = [];
  for (const segment of version.replace(/^v/, '').split('.')) {
    const digits = /^\d+/.exec(segment)?.[0];
    if (digits === undefined) break;
    segments.push(Number(digits));
    if (digits.length !== segment.length) break;
  }
  return segments;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The facts about `version` in a history: its publish time and the earliest-published stable
 * release above it (a later backport to an older line is not newer). Throws when the registry does
 * not list the version.
 */
export function factsFrom(
  ecosystem: Ecosystem,
  name: string,
  version: string,
  history: ReleaseHistory,
  now: Date,
): ReleaseFacts {
  const published = history.published[version];
  if (!published)
    throw new RegistryError(
      `${name} ${version} is not in the registry's release history (unpublished, or locked from another registry)`,
    );
  const locked = releasePart(version);
  const lockedIsStable = stableRelease(ecosystem, version) !== null;
  let newer: ReleaseFacts['newer'] = null;
  for (const [candidate, time] of Object.entries(history.published)) {
    const release = stableRelease(ecosystem, candidate);
    if (!release || !history.installable.has(candidate) || candidate === version) continue;
    const order = compare(release, locked);
    if (order < 0 || (order === 0 && lockedIsStable)) continue;
    if (!newer || Date.parse(time) < Date.parse(newer.published)) newer = { version: candidate, published: time };
  }
  return { published, newer, checkedAt: now.toISOString() };
}

function cacheFile(settings: RegistrySettings, pkg: LockedPackage): string {
  return join(
    settings.cacheDir,
    pkg.ecosystem,
    `${encodeURIComponent(pkg.name)}@${encodeURIComponent(pkg.version)}.json`,
  );
}

function cached(settings: RegistrySettings, pkg: LockedPackage, now: Date): ReleaseFacts | undefined {
  let facts: ReleaseFacts;
  try {
    facts = JSON.parse(readFileSync(cacheFile(settings, pkg), 'utf8')) as ReleaseFacts;
  } catch {
    return undefined; // not cached yet, or a torn file from a killed run: ask the registry.
  }
  if (typeof facts.published !== 'string' || typeof facts.checkedAt !== 'string') return undefined;
  const recheckAfter = Date.parse(facts.checkedAt) + NEWER_RELEASE_RECHECK_HOURS * 3_600_000;
  return facts.newer !== null || now.getTime() < recheckAfter ? facts : undefined;
}

function store(settings: RegistrySettings, pkg: LockedPackage, facts: ReleaseFacts): void {
  const file = cacheFile(settings, pkg);
  mkdirSync(join(settings.cacheDir, pkg.ecosystem), { recursive: true });
  // Two scans (Nx runs projects in parallel) may store the same entry: rename is atomic.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(facts)}\n`);
  renameSync(temporary, file);
}

export interface Lookup {
  facts: Map<LockedPackage, ReleaseFacts>;
  failures: Array<{ pkg: LockedPackage; reason: string }>;
  /** How many registry documents this run fetched (the rest came from the cache). */
  requests: number;
}

const CONCURRENCY = 8;

/**
 * The facts of every package, from the cache where it has them and otherwise from the registry
 * (one request per package name, however many of its versions are locked).
 */
export async function lookUpReleases(
  packages: readonly LockedPackage[],
  settings: RegistrySettings,
  now: Date,
): Promise<Lookup> {
  const lookup: Lookup = { facts: new Map(), failures: [], requests: 0 };
  const missing = new Map<string, LockedPackage[]>();
  for (const pkg of packages) {
    const hit = cached(settings, pkg, now);
    if (hit) lookup.facts.set(pkg, hit);
    else missing.set(`${pkg.ecosystem}:${pkg.name}`, [...(missing.get(`${pkg.ecosystem}:${pkg.name}`) ?? []), pkg]);
  }
  const queue = [...missing.values()];
  const worker = async () => {
    for (let versions = queue.shift(); versions; versions = queue.shift()) {
      const { ecosystem, name } = versions[0];
      let history: ReleaseHistory;
      try {
        lookup.requests += 1;
        history =
          ecosystem === 'npm'
            ? npmHistory(await getJson(npmUrl(settings, name)))
            : pypiHistory(await getJson(pypiUrl(settings, name)));
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        for (const pkg of versions) lookup.failures.push({ pkg, reason: error.message });
        continue;
      }
      for (const pkg of versions) {
        try {
          const facts = factsFrom(ecosystem, name, pkg.version, history, now);
          store(settings, pkg, facts);
          lookup.facts.set(pkg, facts);
        } catch (error) {
          if (!(error instanceof RegistryError)) throw error;
          lookup.failures.push({ pkg, reason: error.message });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return lookup;
}

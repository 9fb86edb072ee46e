import {
  AggregateCreateNodesError,
  createNodesFromFiles,
  hashArray,
  readJsonFile,
  writeJsonFile,
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesResultV2,
  type CreateNodesV2,
  type TargetConfiguration,
} from '@nx/devkit';
import { Minimatch } from 'minimatch';
import { workspaceDataDirectory } from '@nx/devkit/internal';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { PipelinePluginOptions } from './options';

/**
 * One kind of project file the plugin infers targets from (pyproject.toml, a perf scenario, a
 * Containerfile, a deploy config, ...). Each kind lives in its own file under src/plugins/ and is
 * listed once in plugin.ts; the plugin hands every kind only the files that match its glob.
 */
export interface InferenceKind {
  name: string;
  /**
   * The kind's own source files (absolute paths, e.g. `[__filename]` plus the modules it builds
   * targets with): their content is part of the kind's inference cache key, so an edited rule
   * never serves targets computed by the previous one, and editing another kind costs nothing.
   */
  sources: readonly string[];
  /** A glob over workspace-relative paths, e.g. '**\/pyproject.toml'. */
  glob: string;
  createNodes(
    files: readonly string[],
    options: PipelinePluginOptions,
    context: CreateNodesContextV2,
  ): Promise<CreateNodesResultV2>;
}

const sourceHashes = new Map<string, string>();
/** Once per process and file set: a plugin worker serves many graph computations (the daemon's, above all). */
function sourceHash(sources: readonly string[]): string {
  const key = sources.join('\0');
  let hash = sourceHashes.get(key);
  if (!hash) {
    hash = hashArray([...sources].sort().map((file) => readFileSync(file, 'utf8')));
    sourceHashes.set(key, hash);
  }
  return hash;
}

/**
 * A JSON cache of inferred results in Nx's workspace data directory, keyed per kind by a hash of
 * the options and the kind's own sources; entries are keyed by whatever the kind hashes (the
 * project file's content, usually). Kinds use it through inferEach, which saves it once per call.
 */
export class InferenceCache<T> {
  private readonly path: string;
  private readonly entries: Record<string, T>;

  constructor(kind: Pick<InferenceKind, 'name' | 'sources'>, options: unknown) {
    const key = hashArray([kind.name, JSON.stringify(options ?? {}), sourceHash(kind.sources)]);
    this.path = join(workspaceDataDirectory, `customercare-${kind.name}-${key}.hash`);
    this.entries = InferenceCache.read<T>(this.path);
  }

  private changed = false;

  get(hash: string, compute: () => T): T {
    if (!(hash in this.entries)) {
      this.entries[hash] = compute();
      this.changed = true;
    }
    return this.entries[hash];
  }

  /** Writes the cache back, only when this run added to it. */
  save(): void {
    if (this.changed) writeJsonFile(this.path, this.entries);
    this.changed = false;
  }

  private static read<T>(path: string): Record<string, T> {
    try {
      return existsSync(path) ? readJsonFile(path) : {};
    } catch {
      // A torn or stale cache file only costs a recomputation.
      return {};
    }
  }
}

/**
 * Infers from each file with createNodesFromFiles (one file's error names that file and keeps the
 * others' results), through the kind's InferenceCache keyed by `cacheOptions`, saved once at the end.
 */
export async function inferEach<T>(
  kind: Pick<InferenceKind, 'name' | 'sources'>,
  cacheOptions: unknown,
  files: readonly string[],
  options: PipelinePluginOptions,
  context: CreateNodesContextV2,
  infer: (file: string, context: CreateNodesContextV2, cache: InferenceCache<T>) => CreateNodesResult,
): Promise<CreateNodesResultV2> {
  const cache = new InferenceCache<T>(kind, cacheOptions);
  try {
    return await createNodesFromFiles((file, _options, ctx) => infer(file, ctx, cache), files, options, context);
  } finally {
    cache.save();
  }
}

/** Files that make a folder an Nx project: a Containerfile, deploy config or perf scenario alone adds targets, never a project. */
const PROJECT_FILES = ['project.json', 'package.json', 'pyproject.toml'];

export function isProjectRoot(workspaceRoot: string, projectRoot: string): boolean {
  return PROJECT_FILES.some((name) => existsSync(join(workspaceRoot, projectRoot, name)));
}

/** One file per folder: of `names` (most preferred first), the first the folder has among `files`. */
export function preferredPerFolder(files: readonly string[], names: readonly string[]): string[] {
  return files.filter(
    (file) => !names.slice(0, names.indexOf(basename(file))).some((name) => files.includes(join(dirname(file), name))),
  );
}

/**
 * Inference for a kind whose projects each hold one config file (a Containerfile, a deploy config):
 * per folder the first of `names` present (most preferred first), read once; the folder's targets
 * are cached by the file's text, its path and `describe`'s extra key (e.g. the locked packages an
 * image installs). A folder that is not a project (no project.json, package.json or pyproject.toml)
 * gets nothing.
 */
export function inferFromConfigFiles(
  kind: Pick<InferenceKind, 'name' | 'sources'>,
  names: readonly string[],
  cacheOptions: unknown,
  files: readonly string[],
  options: PipelinePluginOptions,
  context: CreateNodesContextV2,
  describe: (
    file: string,
    text: string,
    context: CreateNodesContextV2,
  ) => { key?: readonly string[]; targets: () => Record<string, TargetConfiguration> },
): Promise<CreateNodesResultV2> {
  return inferEach<Record<string, TargetConfiguration>>(
    kind,
    cacheOptions,
    preferredPerFolder(files, names),
    options,
    context,
    (file, ctx, cache) => {
      const projectRoot = dirname(file);
      if (!isProjectRoot(ctx.workspaceRoot, projectRoot)) return {};
      const text = readFileSync(join(ctx.workspaceRoot, file), 'utf8');
      const { key = [], targets } = describe(file, text, ctx);
      return {
        projects: {
          [projectRoot]: { root: projectRoot, targets: cache.get(hashArray([text, file, ...key]), targets) },
        },
      };
    },
  );
}

/**
 * A plugin's createNodesV2 from its kinds: Nx calls it once with every file that matches any
 * kind's glob, and each kind gets its own files. A kind that fails on some files still returns its
 * other results, and Nx reports every failure (naming the file) instead of dropping the plugin.
 */
export function createNodesFromKinds(kinds: readonly InferenceKind[]): CreateNodesV2<PipelinePluginOptions> {
  return combineCreateNodes(
    kinds.map((kind) => [kind.glob, (files, options, context) => kind.createNodes(files, options ?? {}, context)]),
  );
}

/**
 * Several createNodesV2 as one: one glob matching any of theirs, and each gets the files its own
 * glob matches, in the order given, so Nx merges their results as it merges consecutive plugins'.
 * One failing part still returns the others' results, and Nx reports every failure (naming the
 * file). This is how @customercare/nx-inference serves every plugin from one Nx plugin worker.
 */
export function combineCreateNodes(
  parts: ReadonlyArray<CreateNodesV2<PipelinePluginOptions>>,
): CreateNodesV2<PipelinePluginOptions> {
  const glob = parts.length === 1 ? parts[0][0] : `{${parts.map(([partGlob]) => partGlob).join(',')}}`;
  // Compiled once: minimatch(file, glob) compiles the glob on every call, ~0.2 ms each, which at
  // 1000 projects was a fifth of a warm createNodes (docs/benchmarks.md).
  const matchers = parts.map(([partGlob]) => new Minimatch(partGlob, { dot: true }));
  return [
    glob,
    async (files, options, context) => {
      const results: CreateNodesResultV2 = [];
      const errors: Array<[string | null, Error]> = [];
      for (const [index, [, createNodes]] of parts.entries()) {
        const matching = files.filter((file) => matchers[index].match(file));
        if (matching.length === 0) continue;
        try {
          results.push(...(await createNodes(matching, options, context)));
        } catch (error) {
          if (error instanceof AggregateCreateNodesError) {
            results.push(...error.partialResults);
            errors.push(...error.errors);
          } else {
            errors.push([null, error as Error]);
          }
        }
      }
      if (errors.length > 0) throw new AggregateCreateNodesError(errors, results);
      return results;
    },
  ];
}

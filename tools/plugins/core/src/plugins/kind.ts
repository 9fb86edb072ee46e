import {
  createNodesFromFiles,
  hashArray,
  readJsonFile,
  writeJsonFile,
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesResultV2,
} from '@nx/devkit';
import { workspaceDataDirectory } from '@nx/devkit/internal';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { PipelinePluginOptions } from './options';

/**
 * One kind of project file the plugin infers targets from (pyproject.toml, a perf scenario, a
 * Containerfile, a deploy config, ...). Each kind lives in its own file under src/plugins/ and is
 * listed once in plugin.ts; the plugin hands every kind only the files that match its glob.
 */
export interface InferenceKind {
  name: string;
  /** A glob over workspace-relative paths, e.g. '**\/pyproject.toml'. */
  glob: string;
  createNodes(
    files: readonly string[],
    options: PipelinePluginOptions,
    context: CreateNodesContextV2,
  ): Promise<CreateNodesResultV2>;
}

/**
 * The plugin lives in this repository and changes with it, so its own inference code is part of
 * every cache key: an edited rule never serves targets computed by the previous one.
 */
let sourceHash: string | undefined;
function inferenceSourceHash(): string {
  // Once per process: a plugin worker serves many graph computations (the daemon's, above all).
  if (sourceHash === undefined) {
    const files = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    sourceHash = hashArray(files.sort().map((f) => readFileSync(join(__dirname, f), 'utf8')));
  }
  return sourceHash;
}

/**
 * A JSON cache of inferred results in Nx's workspace data directory, keyed per kind by a hash of
 * the options and the plugin's own source; entries are keyed by whatever the kind hashes (the
 * project file's content, usually). Kinds use it through inferEach, which saves it once per call.
 */
export class InferenceCache<T> {
  private readonly path: string;
  private readonly entries: Record<string, T>;

  constructor(kind: string, options: unknown) {
    const key = hashArray([kind, JSON.stringify(options ?? {}), inferenceSourceHash()]);
    this.path = join(workspaceDataDirectory, `nx-pipeline-${kind}-${key}.hash`);
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
  kind: string,
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

import { hashArray, readJsonFile, writeJsonFile } from '@nx/devkit';
import { workspaceDataDirectory } from '@nx/devkit/internal';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UvLockGraph } from './uv-lock';

const PREFIX = 'customercare-uv-lock-';
let codeHash: string | undefined;

/**
 * The graph of a lock, kept in Nx's workspace data directory between processes, keyed by the lock's
 * content hash and the code that derives it (uv-lock.ts and this file). Each plugin worker that
 * reads uv.lock (python, scan, perf, container) would otherwise parse it and walk every member's
 * closure again on every `nx` command: at 500 uv members, ~0.7 s of a 2-core machine per worker
 * (bench/graph.sh, docs/benchmarks.md). `nx reset` removes it with the rest of that directory.
 */
export function storedUvLockGraph(lockHash: string, derive: () => UvLockGraph): UvLockGraph {
  codeHash ??= hashArray([__filename, join(__dirname, 'uv-lock.ts')].map((file) => readFileSync(file, 'utf8')));
  const name = `${PREFIX}${hashArray([lockHash, codeHash])}.json`;
  const path = join(workspaceDataDirectory, name);
  try {
    if (existsSync(path)) return readJsonFile<UvLockGraph>(path);
  } catch {
    // A torn file (two workers writing at once) only costs deriving the graph again.
  }
  const graph = derive();
  try {
    for (const old of readdirSync(workspaceDataDirectory)) {
      if (old.startsWith(PREFIX) && old !== name) rmSync(join(workspaceDataDirectory, old), { force: true });
    }
    writeJsonFile(path, graph);
  } catch {
    // An unwritable data directory only costs deriving the graph next time.
  }
  return graph;
}

import {
  AggregateCreateNodesError,
  type CreateDependencies,
  type CreateNodesResultV2,
  type CreateNodesV2,
} from '@nx/devkit';
import { minimatch } from 'minimatch';
import { containerKind } from './container';
import { deployKind } from './deploy';
import type { InferenceKind } from './kind';
import type { PipelinePluginOptions } from './options';
import { packageJsonKind } from './package-json';
import { perfKind } from './perf';
import { pythonKind } from './python';
import { createUvLockDependencies, uvLockKind } from './uv-lock';

export type { PipelinePluginOptions } from './options';

/** Every kind of project file the plugin infers from; each is one file in this folder. */
export const KINDS: readonly InferenceKind[] = [
  pythonKind,
  perfKind,
  containerKind,
  deployKind,
  packageJsonKind,
  uvLockKind,
];

const GLOB = KINDS.length === 1 ? KINDS[0].glob : `{${KINDS.map((kind) => kind.glob).join(',')}}`;

/**
 * Nx calls this once with every file that matches any kind's glob; each kind gets its own files.
 * A kind that fails on some files still returns its other results, and Nx reports every failure
 * (naming the file) instead of dropping the whole plugin.
 */
export const createNodesV2: CreateNodesV2<PipelinePluginOptions> = [
  GLOB,
  async (files, options, context) => {
    const results: CreateNodesResultV2 = [];
    const errors: Array<[string | null, Error]> = [];
    for (const kind of KINDS) {
      const matching = files.filter((file) => minimatch(file, kind.glob, { dot: true }));
      if (matching.length === 0) continue;
      try {
        results.push(...(await kind.createNodes(matching, options ?? {}, context)));
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

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

/** Edges Nx cannot see from files alone: Python projects to their locked PyPI packages (uv-lock.ts). */
export const createDependencies: CreateDependencies<PipelinePluginOptions> = (options, context) =>
  createUvLockDependencies(options, context);

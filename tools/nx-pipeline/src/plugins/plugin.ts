import {
  createNodesFromFiles,
  hashArray,
  readJsonFile,
  writeJsonFile,
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesV2,
  type TargetConfiguration,
} from '@nx/devkit';
import { workspaceDataDirectory } from '@nx/devkit/internal';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildPythonTargets, readPyproject } from './pyproject';

export interface PipelinePluginOptions {
  lintTargetName?: string;
  testTargetName?: string;
  /** The workspace's Python virtual environment, relative to the workspace root. */
  venv?: string;
}

const PYPROJECT_GLOB = '**/pyproject.toml';

interface CachedProject {
  name?: string;
  description?: string;
  targets: Record<string, TargetConfiguration>;
}

function normalizeOptions(options: PipelinePluginOptions | undefined): Required<PipelinePluginOptions> {
  return {
    lintTargetName: options?.lintTargetName ?? 'lint',
    testTargetName: options?.testTargetName ?? 'test',
    venv: options?.venv ?? '.venv',
  };
}

function readCache(path: string): Record<string, CachedProject> {
  try {
    return existsSync(path) ? readJsonFile(path) : {};
  } catch {
    // A torn or stale cache file only costs a recomputation.
    return {};
  }
}

/**
 * One Nx project per pyproject.toml that has a [project] table, with inferred lint and test
 * targets. Results are cached in Nx's workspace data directory, keyed by the file's content and
 * the plugin options, so an unchanged workspace is inferred without reading TOML at all.
 */
export const createNodesV2: CreateNodesV2<PipelinePluginOptions> = [
  PYPROJECT_GLOB,
  async (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const optionsHash = hashArray([JSON.stringify(options)]);
    const cachePath = join(workspaceDataDirectory, `nx-pipeline-${optionsHash}.hash`);
    const cache = readCache(cachePath);
    try {
      return await createNodesFromFiles(
        (file, _options, ctx) => createPythonProject(file, options, ctx, cache),
        files,
        rawOptions ?? {},
        context,
      );
    } finally {
      writeJsonFile(cachePath, cache);
    }
  },
];

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

function createPythonProject(
  file: string,
  options: Required<PipelinePluginOptions>,
  context: CreateNodesContextV2,
  cache: Record<string, CachedProject>,
): CreateNodesResult {
  const projectRoot = dirname(file);
  const hash = hashArray([readFileSync(join(context.workspaceRoot, file), 'utf8'), projectRoot]);
  cache[hash] ??= inferProject(context.workspaceRoot, file, projectRoot, options);
  const { name, description, targets } = cache[hash];
  if (!name) return {};
  return {
    projects: {
      [projectRoot]: {
        name,
        root: projectRoot,
        projectType: projectRoot.startsWith('libs/') ? 'library' : 'application',
        sourceRoot: existsSync(join(context.workspaceRoot, projectRoot, 'src')) ? `${projectRoot}/src` : projectRoot,
        tags: ['lang:python'],
        metadata: { description, technologies: ['python'] },
        targets,
      },
    },
  };
}

function inferProject(
  workspaceRoot: string,
  file: string,
  projectRoot: string,
  options: Required<PipelinePluginOptions>,
): CachedProject {
  const { name, description } = readPyproject(workspaceRoot, file);
  if (!name) return { targets: {} };
  return { name, description, targets: buildPythonTargets(projectRoot, options) };
}

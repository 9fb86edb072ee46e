import { hashArray, type CreateNodesContextV2, type CreateNodesResult, type TargetConfiguration } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  inferEach,
  lockedPackagesOf,
  lockedTools,
  readPyproject,
  type InferenceCache,
  type InferenceKind,
} from '@customercare/nx-core/inference';
import { buildScanTarget } from './scan-target';

/** The scanners a Python scan runs from the workspace's dev group: hashed as the lock pins them. */
const TOOLS = ['bandit', 'pip-audit', 'pip-licenses', 'cyclonedx-bom'];

/**
 * A `scan` target on every Python project (a pyproject.toml with a [project] table). The project
 * itself, its name and its lint and test targets come from @customercare/nx-python; this kind only
 * adds the target, hashed with the project's locked packages and the scanners' locked versions.
 */
export const pythonScanKind: InferenceKind = {
  name: 'python-scan',
  sources: [__filename, join(__dirname, 'scan-target.ts')],
  glob: '**/pyproject.toml',
  async createNodes(files, options, context) {
    const scanTargetName = options.scanTargetName ?? 'scan';
    const venv = options.venv ?? '.venv';
    const tools = lockedTools(context.workspaceRoot, TOOLS);
    return inferEach<Record<string, TargetConfiguration> | null>(
      pythonScanKind,
      { scanTargetName, venv, tools },
      files,
      options,
      context,
      (file, ctx, cache) => createScanTarget(file, { scanTargetName, venv, tools }, ctx, cache),
    );
  },
};

function createScanTarget(
  file: string,
  options: { scanTargetName: string; venv: string; tools: string[] },
  context: CreateNodesContextV2,
  cache: InferenceCache<Record<string, TargetConfiguration> | null>,
): CreateNodesResult {
  const projectRoot = dirname(file);
  const packages = lockedPackagesOf(context.workspaceRoot, projectRoot);
  const hash = hashArray([readFileSync(join(context.workspaceRoot, file), 'utf8'), projectRoot, ...packages]);
  const targets = cache.get(hash, () =>
    readPyproject(context.workspaceRoot, file).name
      ? {
          [options.scanTargetName]: buildScanTarget(
            'python',
            `reports/${projectRoot === '.' ? 'root' : projectRoot}/${options.scanTargetName}`,
            {
              venv: options.venv,
              // The SBOM, licence and advisory checks read the project's locked packages.
              dependencyInputs: [],
              tools: [...new Set([...options.tools, ...packages])],
            },
          ),
        }
      : null,
  );
  return targets ? { projects: { [projectRoot]: { root: projectRoot, targets } } } : {};
}

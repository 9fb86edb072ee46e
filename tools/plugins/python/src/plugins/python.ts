import { hashArray, type CreateNodesContextV2, type CreateNodesResult, type TargetConfiguration } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  inferEach,
  lockedPackagesOf,
  lockedTools,
  readPyproject,
  type InferenceCache,
  type InferenceKind,
  type PipelinePluginOptions,
} from '@customercare/nx-core/inference';
import { buildPythonTargets, type PythonTargetOptions } from './python-targets';

interface InferredPythonProject {
  name?: string;
  description?: string;
  targets: Record<string, TargetConfiguration>;
}

/** The tools each Python target runs, from the workspace's dev group: hashed as the lock pins them. */
const TOOLS = {
  lint: ['ruff', 'mypy'],
  test: ['pytest', 'pytest-cov'],
};

function pythonOptions(options: PipelinePluginOptions, workspaceRoot: string): PythonTargetOptions {
  return {
    tools: {
      lint: lockedTools(workspaceRoot, TOOLS.lint),
      test: lockedTools(workspaceRoot, TOOLS.test),
    },
    lintTargetName: options.lintTargetName ?? 'lint',
    testTargetName: options.testTargetName ?? 'test',
    venv: options.venv ?? '.venv',
  };
}

/**
 * One Nx project per pyproject.toml that has a [project] table (a uv workspace root has none),
 * with inferred lint and test targets. Python-to-Python edges come from @nxlv/python.
 */
export const pythonKind: InferenceKind = {
  name: 'python',
  sources: [__filename, join(__dirname, 'python-targets.ts')],
  glob: '**/pyproject.toml',
  async createNodes(files, rawOptions, context) {
    const options = pythonOptions(rawOptions, context.workspaceRoot);
    return inferEach<InferredPythonProject>(pythonKind, options, files, rawOptions, context, (file, ctx, cache) =>
      createPythonProject(file, options, ctx, cache),
    );
  },
};

function createPythonProject(
  file: string,
  options: PythonTargetOptions,
  context: CreateNodesContextV2,
  cache: InferenceCache<InferredPythonProject>,
): CreateNodesResult {
  const projectRoot = dirname(file);
  const packages = lockedPackagesOf(context.workspaceRoot, projectRoot);
  const hash = hashArray([readFileSync(join(context.workspaceRoot, file), 'utf8'), projectRoot, ...packages]);
  const { name, description, targets } = cache.get(hash, () => {
    const pyproject = readPyproject(context.workspaceRoot, file);
    return pyproject.name
      ? { ...pyproject, targets: buildPythonTargets(projectRoot, { ...options, packages }) }
      : { targets: {} };
  });
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

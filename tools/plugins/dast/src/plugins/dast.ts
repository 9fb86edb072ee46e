import type { CreateNodesContextV2, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { hashArray } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { DAST_CONFIG_FILE } from './config-file';
import {
  inferEach,
  isProjectRoot,
  lockfileInputs,
  type InferenceCache,
  type InferenceKind,
} from '@customercare/nx-core/inference';

type Inputs = NonNullable<TargetConfiguration['inputs']>;

function readYaml(path: string): Record<string, unknown> | undefined {
  try {
    return (parse(readFileSync(path, 'utf8')) as Record<string, unknown> | null) ?? {};
  } catch {
    // The executor reports a broken file with its schema errors; inference only needs to know it is there.
    return undefined;
  }
}

/** The `project:target` builds of the pages dast.yml crawls: the target runs after them and hashes their output. */
function pageBuilds(config: Record<string, unknown> | undefined): string[] {
  const pages = Array.isArray(config?.pages) ? (config.pages as Array<{ build?: unknown }>) : [];
  return pages.map((page) => page.build).filter((build): build is string => typeof build === 'string');
}

export function buildDastTarget(projectRoot: string, builds: string[], extraInputs: Inputs): TargetConfiguration {
  return {
    executor: '@customercare/nx-dast:dast',
    options: { reportsDirectory: `reports/${projectRoot}/dast` },
    // Cached by inputs: an unchanged service, config, lockfile, gates and suppressions are not attacked
    // twice. The nightly workflow passes --skip-nx-cache.
    cache: true,
    // It starts a service and floods it: never beside another task.
    parallelism: false,
    ...(builds.length && {
      dependsOn: builds.map((build) => {
        const [project, target] = build.split(':');
        return { projects: [project], target };
      }),
    }),
    inputs: [
      'production',
      '^production',
      '{workspaceRoot}/gates.json',
      '{workspaceRoot}/security/suppressions.yaml',
      '{workspaceRoot}/tools/plugins/dast/python/**/*',
      ...(builds.length ? [{ dependentTasksOutputFiles: '**/*', transitive: false }] : []),
      ...extraInputs,
    ],
    outputs: ['{options.reportsDirectory}'],
    metadata: {
      technologies: ['schemathesis', 'wapiti', 'sqlmap', 'zap'],
      description:
        'Start the service as perf does, sign in, attack it with schemathesis, wapiti, sqlmap and OWASP ZAP (where a registry is reachable) within budgets; gate the A-F grade',
      help: {
        command: `node -p "Object.entries(require('./tools/plugins/dast/src/executors/dast/schema.json').properties).map(([k, v]) => k + ': ' + v.description).join('\\n')"`,
        example: { options: { scanners: ['schemathesis', 'sqlmap'] } },
      },
    },
  };
}

/**
 * A `dast` target for every project with a dast.yml, or with a perf/load.yml whose `service`
 * section says how to start it. The project itself comes from its project.json, package.json or
 * pyproject.toml; these files alone never create one.
 */
export const dastKind: InferenceKind = {
  name: 'dast',
  sources: [__filename, join(__dirname, 'config-file.ts')],
  glob: `**/{perf/load.yml,${DAST_CONFIG_FILE}}`,
  async createNodes(files, rawOptions, context) {
    return inferEach<TargetConfiguration | null>(dastKind, rawOptions, files, rawOptions, context, createDastTarget);
  },
};

function createDastTarget(
  file: string,
  context: CreateNodesContextV2,
  cache: InferenceCache<TargetConfiguration | null>,
): CreateNodesResult {
  const isConfig = basename(file) === DAST_CONFIG_FILE;
  const projectRoot = isConfig ? dirname(file) : dirname(dirname(file));
  const configPath = join(context.workspaceRoot, projectRoot, DAST_CONFIG_FILE);
  // With both files, dast.yml speaks for the project.
  if (!isConfig && existsSync(configPath)) return {};
  const text = readFileSync(join(context.workspaceRoot, file), 'utf8');
  const hasProject = isProjectRoot(context.workspaceRoot, projectRoot);
  const extraInputs = hasProject ? lockfileInputs(context.workspaceRoot, projectRoot) : [];
  const hash = hashArray([text, file, String(hasProject), JSON.stringify(extraInputs)]);
  const target = cache.get(hash, () => {
    if (!hasProject) return null;
    const data = readYaml(join(context.workspaceRoot, file));
    if (!isConfig && !data?.service) return null;
    const builds = isConfig ? pageBuilds(data) : [];
    return buildDastTarget(projectRoot, builds, extraInputs);
  });
  if (!target) return {};
  return { projects: { [projectRoot]: { root: projectRoot, targets: { dast: target } } } };
}

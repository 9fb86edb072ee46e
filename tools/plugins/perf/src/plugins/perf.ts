import { hashArray, type CreateNodesContextV2, type CreateNodesResult, type TargetConfiguration } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { inferEach, isProjectRoot, type InferenceCache, type InferenceKind } from '@customercare/nx-core/inference';
import { lockfileInputs } from '@customercare/nx-core/inference';

/** The scenario that gets the plain `perf` target; any other perf/<name>.yml gets `perf-<name>`. */
const MAIN_SCENARIO = 'load';
/** The profile CI runs; the others are Nx configurations (`nx run backend:perf:stress`). */
const DEFAULT_PROFILE = 'ci';

/** Profiles a scenario declares: `load` (config.phases) plus config.environments. Unparseable files get none; the executor reports why. */
function profilesOf(text: string): string[] {
  try {
    const data = parse(text) as { config?: { environments?: Record<string, unknown> } } | null;
    return ['load', ...Object.keys(data?.config?.environments ?? {})];
  } catch {
    return ['load'];
  }
}

/**
 * Workspace lockfiles that pin what a service runs with. A Python project's locked packages reach
 * the hash through `^production` (its pypi: edges, see uv-lock.ts), so uv.lock is not named; a Node
 * project's come from package-lock.json.
 */
type Inputs = NonNullable<TargetConfiguration['inputs']>;

export function buildPerfTarget(
  projectRoot: string,
  scenarioFile: string,
  profiles: string[],
  extraInputs: Inputs,
): TargetConfiguration {
  const name = basename(scenarioFile, '.yml');
  const targetName = name === MAIN_SCENARIO ? 'perf' : `perf-${name}`;
  const reportsDirectory = `reports/${projectRoot === '.' ? 'root' : projectRoot}/${targetName}`;
  return {
    executor: '@customercare/nx-perf:perf',
    options: {
      scenario: `perf/${name}.yml`,
      profile: profiles.includes(DEFAULT_PROFILE) ? DEFAULT_PROFILE : 'load',
      reportsDirectory,
    },
    configurations: Object.fromEntries(profiles.map((profile) => [profile, { profile }])),
    // Cached by inputs: an unchanged service, scenario, lockfile and gates file is not measured twice;
    // `production` leaves tests out (a new unit test does not change how the service performs).
    // Scheduled runs that must re-measure pass --skip-nx-cache.
    cache: true,
    // A perf run measures the machine: never share it with other tasks.
    parallelism: false,
    inputs: ['production', '^production', '{workspaceRoot}/gates.json', ...extraInputs],
    outputs: ['{options.reportsDirectory}'],
    metadata: {
      technologies: ['hdr-histogram', 'k6'],
      description: `Start the service, run ${scenarioFile} (profile from --configuration, default ${DEFAULT_PROFILE}) in the open model, gate latency, errors, throughput and p95 regression`,
      help: {
        // Nx runs this to show help: the executor's options with their descriptions.
        command: `node -p "Object.entries(require('./tools/plugins/perf/src/executors/perf/schema.json').properties).map(([k, v]) => k + ': ' + v.description).join('\\n')"`,
        example: { options: { profile: 'stress', engine: 'k6', updateBaseline: false } },
      },
    },
  };
}

/**
 * A `perf` target for every project with a load scenario at <project>/perf/load.yml (and
 * `perf-<name>` for other perf/<name>.yml files). The project itself comes from its project.json,
 * package.json or pyproject.toml; a perf folder alone never creates one.
 */
export const perfKind: InferenceKind = {
  name: 'perf',
  sources: [__filename],
  glob: '**/perf/*.yml',
  async createNodes(files, rawOptions, context) {
    return inferEach<TargetConfiguration | null>(perfKind, rawOptions, files, rawOptions, context, createPerfTarget);
  },
};

function createPerfTarget(
  file: string,
  context: CreateNodesContextV2,
  cache: InferenceCache<TargetConfiguration | null>,
): CreateNodesResult {
  const projectRoot = dirname(dirname(file));
  const hasProject = isProjectRoot(context.workspaceRoot, projectRoot);
  const extraInputs = lockfileInputs(context.workspaceRoot, projectRoot);
  const text = readFileSync(join(context.workspaceRoot, file), 'utf8');
  const hash = hashArray([text, projectRoot, String(hasProject), JSON.stringify(extraInputs)]);
  const target = cache.get(hash, () =>
    hasProject ? buildPerfTarget(projectRoot, file, profilesOf(text), extraInputs) : null,
  );
  if (!target) return {};
  const name = basename(file, '.yml');
  return {
    projects: {
      [projectRoot]: { root: projectRoot, targets: { [name === MAIN_SCENARIO ? 'perf' : `perf-${name}`]: target } },
    },
  };
}

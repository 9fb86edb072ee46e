import {
  hashArray,
  type CreateNodesContextV2,
  type CreateNodesResult,
  type CreateNodesV2,
  type TargetConfiguration,
} from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inferEach, isProjectRoot, type InferenceCache } from '@customercare/nx-core/inference';

/** One SLO file per service makes its `monitoring` target. */
export const SLO_GLOB = '**/monitoring/slo.yml';

/** The plugin's own sources are part of the inference cache key and of the target's inputs. */
const PLUGIN_ROOT = 'tools/plugins/monitoring';
const SOURCES = ['plugins/plugin.ts'].map((file) => join(__dirname, '..', file));

export function buildMonitoringTarget(projectRoot: string): TargetConfiguration {
  return {
    executor: '@customercare/nx-monitoring:monitoring',
    options: {
      outputPath: `${projectRoot}/dist/monitoring`,
      reportsDirectory: `reports/${projectRoot}/monitoring`,
    },
    // Cached by its inputs: the SLO file, the promtool tests, the gates file and the generator itself.
    cache: true,
    inputs: [
      '{projectRoot}/monitoring/**/*',
      '{workspaceRoot}/gates.json',
      '{workspaceRoot}/tools/toolchain.json',
      `{workspaceRoot}/${PLUGIN_ROOT}/src/**/*`,
      `!{workspaceRoot}/${PLUGIN_ROOT}/src/**/*.spec.ts`,
      `!{workspaceRoot}/${PLUGIN_ROOT}/src/**/__snapshots__/**`,
      { externalDependencies: ['@grafana/grafana-foundation-sdk', 'yaml', 'ajv'] },
    ],
    outputs: ['{options.outputPath}', '{options.reportsDirectory}'],
    metadata: {
      technologies: ['prometheus', 'alertmanager', 'grafana'],
      description:
        'Generate Prometheus recording rules and SLO alerts, the Alertmanager config and a Grafana dashboard from monitoring/slo.yml into dist/monitoring; check them with promtool (check rules, test rules) and amtool (check-config, routes test per severity)',
      help: {
        command: `node -p "Object.entries(require('./${PLUGIN_ROOT}/src/executors/monitoring/schema.json').properties).map(([k, v]) => k + ': ' + v.description).join('\\n')"`,
        example: { options: { sloFile: 'monitoring/slo.yml' } },
      },
    },
  };
}

function inferMonitoring(
  file: string,
  context: CreateNodesContextV2,
  cache: InferenceCache<TargetConfiguration | null>,
): CreateNodesResult {
  const projectRoot = dirname(dirname(file));
  const hasProject = isProjectRoot(context.workspaceRoot, projectRoot);
  const text = readFileSync(join(context.workspaceRoot, file), 'utf8');
  const target = cache.get(hashArray([text, projectRoot, String(hasProject)]), () =>
    hasProject ? buildMonitoringTarget(projectRoot) : null,
  );
  return target ? { projects: { [projectRoot]: { root: projectRoot, targets: { monitoring: target } } } } : {};
}

/** A `monitoring` target for every project with a monitoring/slo.yml (the project itself comes from its own project file). */
export const createNodesV2: CreateNodesV2 = [
  SLO_GLOB,
  (files, options, context) =>
    inferEach<TargetConfiguration | null>(
      { name: 'monitoring', sources: SOURCES },
      options,
      files,
      options ?? {},
      context,
      inferMonitoring,
    ),
];

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

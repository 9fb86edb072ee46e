import type { CreateNodesV2 } from '@nx/devkit';
import { combineCreateNodes, PIPELINE_PLUGINS, type PipelinePluginOptions } from '@customercare/nx-core/inference';
import * as container from '@customercare/nx-container';
import * as dast from '@customercare/nx-dast';
import * as deploy from '@customercare/nx-deploy';
import * as monitoring from '@customercare/nx-monitoring';
import * as perf from '@customercare/nx-perf';
import * as python from '@customercare/nx-python';
import * as scan from '@customercare/nx-scan';

/**
 * Every plugin, in the order nx.json listed them when each was its own entry (Nx merges one
 * plugin's results in order, as it merges consecutive plugins, so the graph is the same). Nx starts
 * one worker process per nx.json entry and loads Nx, the TypeScript transpiler and the plugin's
 * modules in each: registered one by one, the seven cost 7 s of CPU per `nx` command at 1000
 * projects, registered here once, 1.6 s (docs/benchmarks.md). Each plugin still exports its own
 * createNodesV2, for a workspace that registers only some of them.
 */
/** In core's PIPELINE_PLUGINS order: the package names nx.json's `plugins` option lists. */
export const PLUGINS = [python, scan, perf, container, deploy, monitoring, dast] as const;

/** nx.json's options for this entry: which plugins it runs (default: all seven), and the plugins' own options. */
export interface InferenceOptions extends PipelinePluginOptions {
  plugins?: string[];
}

const combined = PLUGINS.map((plugin) => plugin.createNodesV2);

/** The plugins nx.json names, as indexes into PLUGINS; a name that is not one of them is an error with the list. */
export function selectedPlugins(names: readonly string[] | undefined): number[] {
  if (names === undefined) return PLUGINS.map((_, index) => index);
  const unknown = names.filter((name) => !(PIPELINE_PLUGINS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `nx.json: @customercare/nx-inference's "plugins" option names ${unknown.map((n) => `"${n}"`).join(', ')}, ` +
        `which it does not run; it runs ${PIPELINE_PLUGINS.join(', ')}. Register any other plugin as its own nx.json entry.`,
    );
  }
  return PIPELINE_PLUGINS.flatMap((name, index) => (names.includes(name) ? [index] : []));
}

const [glob] = combineCreateNodes(combined);
/** One combined createNodes per selection, built once (nx.json names the same plugins on every graph computation). */
const bySelection = new Map<string, CreateNodesV2<PipelinePluginOptions>[1]>();

/**
 * One glob for all seven (it is fixed before Nx reads the options), and each call runs only the
 * plugins nx.json's `plugins` option lists, with the other options passed on to each.
 */
export const createNodesV2: CreateNodesV2<InferenceOptions> = [
  glob,
  async (files, options, context) => {
    const { plugins, ...pluginOptions } = options ?? {};
    const selected = selectedPlugins(plugins);
    const key = selected.join(',');
    let createNodes = bySelection.get(key);
    if (!createNodes) {
      createNodes = combineCreateNodes(selected.map((index) => combined[index]))[1];
      bySelection.set(key, createNodes);
    }
    return createNodes(files, pluginOptions, context);
  },
];

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

/** Edges Nx cannot see from files alone: Python projects to their locked PyPI packages (nx-python). */
export const createDependencies = python.createDependencies;

import {
  addDependenciesToPackageJson,
  logger,
  readNxJson,
  updateNxJson,
  writeJson,
  type GeneratorCallback,
  type NxJsonConfiguration,
  type PluginConfiguration,
  type Tree,
} from '@nx/devkit';
import { relative } from 'node:path';
import { GATES_SCHEMA_FILE, PIPELINE_PLUGINS } from '@customercare/nx-core';
import { DEFAULT_GATES } from './default-gates';
import type { InitGeneratorSchema } from './schema';

/** The pipeline's inference plugins (core's list), in nx.json order. */
export { PIPELINE_PLUGINS };

/** The seven PIPELINE_PLUGINS in one nx.json entry (one Nx plugin worker for all): where it is registered, none of them is added. */
export const INFERENCE_PLUGIN = '@customercare/nx-inference';
export const PYTHON_PLUGIN = '@nxlv/python';
/** The @nxlv/python release this plugin is tested with (its uv provider draws the Python edges). */
export const NXLV_PYTHON_VERSION = '23.1.1';
const GATES_FILE = 'gates.json';

function pluginName(entry: PluginConfiguration): string {
  return typeof entry === 'string' ? entry : entry.plugin;
}

/** Registers @nxlv/python and the pipeline's plugins in nx.json, leaving any existing entry (and its options) as it is. */
function registerPlugins(tree: Tree): void {
  const nxJson: NxJsonConfiguration = readNxJson(tree) ?? {};
  const plugins = [...(nxJson.plugins ?? [])];
  const python = plugins.find((entry) => pluginName(entry) === PYTHON_PLUGIN);
  if (!python) {
    plugins.push({ plugin: PYTHON_PLUGIN, options: { packageManager: 'uv' } });
  } else if (
    typeof python === 'string' ||
    (python.options as { packageManager?: string } | undefined)?.packageManager !== 'uv'
  ) {
    logger.warn(
      `nx.json registers ${PYTHON_PLUGIN} without { "packageManager": "uv" }; the pipeline's Python projects are a uv ` +
        'workspace, so set that option or Python-to-Python dependencies will be missing from the graph.',
    );
  }
  const combined = plugins.some((entry) => pluginName(entry) === INFERENCE_PLUGIN);
  for (const plugin of combined ? [] : PIPELINE_PLUGINS) {
    if (!plugins.some((entry) => pluginName(entry) === plugin)) plugins.push(plugin);
  }
  // Only when something was added: rewriting an unchanged nx.json would still change its formatting.
  if (plugins.length !== (nxJson.plugins ?? []).length) updateNxJson(tree, { ...nxJson, plugins });
}

/**
 * The gates schema as the workspace reaches it: from this plugin's source when it lives in the
 * workspace (as in CustomerCareGPT), else from node_modules.
 */
function gatesSchemaPath(tree: Tree): string {
  const fromSource = relative(tree.root, GATES_SCHEMA_FILE).split('\\').join('/');
  return fromSource.startsWith('..') ? './node_modules/@customercare/nx-core/src/gates/schema.json' : `./${fromSource}`;
}

function writeGates(tree: Tree): void {
  if (tree.exists(GATES_FILE)) return;
  writeJson(tree, GATES_FILE, { $schema: gatesSchemaPath(tree), defaults: DEFAULT_GATES, projects: {} });
}

function ignoreReports(tree: Tree): void {
  const text = tree.read('.gitignore', 'utf-8') ?? '';
  const ignored = text.split(/\r?\n/).some((line) => /^\/?reports\/?$/.test(line.trim()));
  if (ignored) return;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  tree.write(
    '.gitignore',
    `${text}${separator}# Reports of the pipeline's gate targets (declared as their outputs)\nreports/\n`,
  );
}

/**
 * `nx g @customercare/nx-generators:init`: what a workspace needs before the plugin's targets and
 * generators work. Every step checks first, so running it again changes nothing.
 */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  registerPlugins(tree);
  writeGates(tree);
  ignoreReports(tree);
  if (options.skipPackageJson || !tree.exists('package.json')) return () => undefined;
  const install = addDependenciesToPackageJson(tree, {}, { [PYTHON_PLUGIN]: NXLV_PYTHON_VERSION });
  return options.skipInstall ? () => undefined : install;
}

export default initGenerator;

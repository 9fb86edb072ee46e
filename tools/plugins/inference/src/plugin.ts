import { combineCreateNodes } from '@customercare/nx-core/inference';
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
export const PLUGINS = [python, scan, perf, container, deploy, monitoring, dast] as const;

export const createNodesV2 = combineCreateNodes(PLUGINS.map((plugin) => plugin.createNodesV2));

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

/** Edges Nx cannot see from files alone: Python projects to their locked PyPI packages (nx-python). */
export const createDependencies = python.createDependencies;

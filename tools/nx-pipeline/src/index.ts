export { createDependencies, createNodes, createNodesV2 } from './plugins/plugin';
export type { PipelinePluginOptions } from './plugins/plugin';
export { loadGates, gatesForProject } from './gates/load';
export type { GatesConfig, ProjectGates, GateResult } from './gates/types';

export { createNodes, createNodesV2 } from './plugins/plugin';
export { loadSlo, parseSlo, SloError } from './slo/load';
export type { SloFile } from './slo/types';
export { generateRules, RULES, ruleQuery } from './generate/rules';
export { buildMonitoring } from './generate/build';

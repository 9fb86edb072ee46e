/** What other plugins use from @customercare/nx-monitoring (`@customercare/nx-monitoring/lib`); the package's main is its inference only. */
export { loadSlo, parseSlo, SloError } from './src/slo/load';
export type { SloFile } from './src/slo/types';
export { generateRules, RULES, ruleQuery } from './src/generate/rules';
export { buildMonitoring } from './src/generate/build';

/** What other plugins use from @customercare/nx-monitoring (`@customercare/nx-monitoring/lib`); the package's main is its inference only. */
export { loadSlo, parseSlo, SloError } from './src/slo/load';
export type { SloFile } from './src/slo/types';
export {
  generateRules,
  recordedNames,
  RELEASE_RATE_WINDOW,
  releaseLabels,
  RULES,
  ruleQuery,
  selectorLabels,
  type RuleOptions,
} from './src/generate/rules';
export { buildMonitoring, renderRules } from './src/generate/build';

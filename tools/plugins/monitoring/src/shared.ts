/**
 * Everything this plugin uses from the other workspace plugins, in one place, so that a move of
 * the shared code changes only these lines.
 */
export {
  escapeHtml,
  runTool,
  startProcess,
  writeGateResults,
  formatGateLine,
  loadGates,
  writeJUnit,
  schemaProblems,
  projectOf,
  inferEach,
  isProjectRoot,
  freePort,
  resolveTool,
  executorTools,
  type JUnitCase,
  type GateResult,
  type InferenceCache,
} from '@customercare/nx-core';
export { workspaceWith, inferenceContext, writeFiles, fixtureContext } from '@customercare/nx-core/testing';
export { startService, loadScenario, type StartedService, type ServiceSpec } from '@customercare/nx-perf/lib';

/**
 * Everything this plugin reuses from the other CustomerCareGPT plugins, in one place: the perf
 * target's service lifecycle, the scan target's Findings, reports, grade, suppressions and scanner
 * runner, and core's gates, resolver and process runner. Nothing else in this package imports
 * another plugin, so a move over there is one edit here.
 */
export {
  executorTools,
  fingerprintOf,
  formatCommand,
  formatGateLine,
  gatesForProject,
  loadGates,
  projectOf,
  runTool,
  schemaProblems,
  securityGates,
  ToolError,
  toolSpec,
  writeGateResults,
  type Finding,
  type GateResult,
  type ResolveOptions,
  type Severity,
  type ToolCommand,
} from '@customercare/nx-core';
export { startService, type StartedService } from '@customercare/nx-perf/lib';
export { loadScenario, type ServiceSpec } from '@customercare/nx-perf/lib';
export {
  SCAN_REPORTS,
  scanGateResults,
  statusText,
  summarizeRuns,
  writeScanReports,
  type ScanSummary,
} from '@customercare/nx-scan/lib';
export { runScanner, type ScannerRun } from '@customercare/nx-scan/lib';
export type { InProcessScanner, Parsed } from '@customercare/nx-scan/lib';
export { loadSuppressions } from '@customercare/nx-scan/lib';
export type { DastGates, DastScannerName, ProjectGates } from '@customercare/nx-core';
export { inferEach, isProjectRoot, type InferenceCache, type InferenceKind } from '@customercare/nx-core';
export { lockfileInputs } from '@customercare/nx-core';

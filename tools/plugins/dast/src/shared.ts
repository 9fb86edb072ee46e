/**
 * Everything this plugin reuses from the other CustomerCareGPT plugins, in one place: the perf
 * target's service lifecycle, the scan target's Findings, reports, grade, suppressions and scanner
 * runner, and core's gates, resolver and process runner. Nothing else in this package imports
 * another plugin, so a move over there is one edit here.
 */
export {
  countBySeverity,
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
  sortFindings,
  ToolError,
  toolSpec,
  writeGateResults,
  type Finding,
  type GateResult,
  type ResolveOptions,
  type Severity,
  type ToolCommand,
} from '@customercare/nx-core';
export { startService, type StartedService } from '@customercare/nx-perf/src/executors/perf/service';
export { loadScenario, type ServiceSpec } from '@customercare/nx-perf/src/executors/perf/scenario';
export { gradeOf } from '@customercare/nx-scan/src/executors/scan/grade';
export {
  SCAN_REPORTS,
  scanGateResults,
  statusText,
  writeScanReports,
  type ScanSummary,
} from '@customercare/nx-scan/src/executors/scan/report';
export { runScanner, type ScannerRun } from '@customercare/nx-scan/src/executors/scan/run-scanners';
export type { InProcessScanner, Parsed } from '@customercare/nx-scan/src/executors/scan/scanners/types';
export { applySuppressions, loadSuppressions } from '@customercare/nx-scan/src/executors/scan/suppressions';
export type { DastGates, DastScannerName, ProjectGates } from '@customercare/nx-core';
export { inferEach, isProjectRoot, type InferenceCache, type InferenceKind } from '@customercare/nx-core';
export { lockfileInputs } from '@customercare/nx-perf/src/plugins/perf';

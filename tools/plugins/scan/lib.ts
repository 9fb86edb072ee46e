/** What other plugins use from @customercare/nx-scan (`@customercare/nx-scan/lib`); the package's main is its inference only. */
/** The findings pipeline other security targets (dast) report through: scanners, suppressions, grade, reports. */
export { gradeOf } from './src/executors/scan/grade';
export {
  SCAN_REPORTS,
  scanGateResults,
  statusText,
  summarizeRuns,
  writeScanReports,
  type ScanSummary,
} from './src/executors/scan/report';
export { runScanner, type ScannerRun } from './src/executors/scan/run-scanners';
export type { InProcessScanner, Parsed } from './src/executors/scan/scanners/types';
export { applySuppressions, loadSuppressions } from './src/executors/scan/suppressions';
/** The source scan's gitleaks config and report flags, shared by the container image test's secret scan. */
export { GITLEAKS_CONFIG, gitleaksReportArgs } from './src/executors/scan/scanners/gitleaks';

import { createNodesFromKinds } from '@customercare/nx-core';
import { packageJsonKind } from './plugins/package-json';
import { pythonScanKind } from './plugins/python-scan';

/** The inference of this plugin: every kind it infers from (see src/plugins/). */
export const createNodesV2 = createNodesFromKinds([pythonScanKind, packageJsonKind]);

/** Older Nx versions look for `createNodes`; both names export the same tuple. */
export const createNodes = createNodesV2;

/** The findings pipeline other security targets (dast) report through: scanners, suppressions, grade, reports. */
export { gradeOf } from './executors/scan/grade';
export { SCAN_REPORTS, scanGateResults, statusText, writeScanReports, type ScanSummary } from './executors/scan/report';
export { runScanner, type ScannerRun } from './executors/scan/run-scanners';
export type { InProcessScanner, Parsed } from './executors/scan/scanners/types';
export { applySuppressions, loadSuppressions } from './executors/scan/suppressions';

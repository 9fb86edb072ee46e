import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GateResult } from '../gates/types';

export const GATE_RESULTS_FILE = 'gate-results.json';

/** Writes an executor's gate results beside its report, where the pipeline summary looks for them. */
export function writeGateResults(reportsDirectory: string, results: GateResult[]): string {
  mkdirSync(reportsDirectory, { recursive: true });
  const path = join(reportsDirectory, GATE_RESULTS_FILE);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** The one line a gate prints: what was measured, against what, and where the full report is. */
export function formatGateLine(result: GateResult): string {
  const mark = result.passed ? 'PASS' : 'FAIL';
  const measured = result.measured ?? 'not measured';
  const reason = result.reason ? `: ${result.reason}` : '';
  return `${mark} ${result.project} ${result.gate} ${measured} (threshold ${result.threshold}) -> ${result.report}${reason}`;
}

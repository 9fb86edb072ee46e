import {
  scanGateResults,
  securityGates,
  type DastGates,
  type GateResult,
  type ProjectGates,
  type ScanSummary,
} from './shared';

/** The dast gate when gates.json does not say: grade A, and the scanners setup installs must run. */
export const DAST_GATE_DEFAULTS: Required<DastGates> = {
  grade: 'A',
  requiredScanners: ['schemathesis', 'wapiti', 'sqlmap'],
};

/** gates.json's `dast` section (defaults, then the project's), every setting resolved. */
export function dastGates(gates: ProjectGates): Required<DastGates> {
  return { ...DAST_GATE_DEFAULTS, ...gates.dast };
}

/**
 * The scan target's two gates over the dast findings, named for this target so that the
 * pipeline's table tells them apart: dast-grade (the A-F grade) and dast-required-scanners.
 */
export function dastGateResults(summary: ScanSummary, gates: ProjectGates, reportPath: string): GateResult[] {
  const dast = dastGates(gates);
  return scanGateResults(summary, { ...securityGates(gates), grade: dast.grade }, reportPath).map((result) => ({
    ...result,
    gate: result.gate === 'security-grade' ? 'dast-grade' : 'dast-required-scanners',
  }));
}

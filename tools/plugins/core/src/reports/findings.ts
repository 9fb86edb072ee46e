import { createHash } from 'node:crypto';
import type { ScannerName } from '../gates/types';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Most severe first: the order reports list findings in. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** One problem any scanner found, in the one shape every report is written from. */
export interface Finding {
  tool: ScannerName;
  ruleId: string;
  severity: Severity;
  message: string;
  /** Workspace-relative path (or the manifest/lockfile for dependency findings). */
  file: string;
  /** 1-based; 1 when the tool has no line (dependencies, licences). */
  line: number;
  /** Stable across line shifts: hashes what was found, not where in the file it sits. */
  fingerprint: string;
  /** The dependency a dependency finding is about (npm-audit, pip-audit, dependency-age): matched by name, not read from the message. */
  package?: { ecosystem: 'npm' | 'pypi'; name: string; version?: string };
  /** Set when a reviewed suppression covers the finding; such findings do not count towards the grade. */
  suppressed?: { reason: string; expires: string };
}

/** A short, stable hash of what identifies a finding (tool, rule, file and the matched text or package). */
export function fingerprintOf(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** Counts of unsuppressed findings per severity. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const finding of findings) if (!finding.suppressed) counts[finding.severity] += 1;
  return counts;
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

import type { SecurityGrade } from '@customercare/nx-core';
import { countBySeverity, type Finding, type Severity } from '@customercare/nx-core';

export const GRADES: readonly SecurityGrade[] = ['A', 'B', 'C', 'D', 'E', 'F'];

/**
 * The security grade from the unsuppressed findings' severities, first rule that matches:
 *
 *   F  any critical finding (a leaked secret, a critical advisory)
 *   E  3 or more high findings
 *   D  1 or 2 high findings
 *   C  more than 3 medium findings
 *   B  1 to 3 medium findings
 *   A  none of the above: only low and info findings, or none
 *
 * Low and info findings are reported but never lower the grade. The README's "Quality gates"
 * section documents the same table; change both together.
 */
export function gradeOf(counts: Record<Severity, number>): SecurityGrade {
  if (counts.critical > 0) return 'F';
  if (counts.high >= 3) return 'E';
  if (counts.high > 0) return 'D';
  if (counts.medium > 3) return 'C';
  if (counts.medium > 0) return 'B';
  return 'A';
}

export function gradeFindings(findings: readonly Finding[]): SecurityGrade {
  return gradeOf(countBySeverity(findings));
}

/** True when `grade` is at least as good as `threshold` (A is best). */
export function meetsGrade(grade: SecurityGrade, threshold: SecurityGrade): boolean {
  return GRADES.indexOf(grade) <= GRADES.indexOf(threshold);
}

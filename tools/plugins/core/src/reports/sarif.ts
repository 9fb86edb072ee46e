import type { Log, ReportingDescriptor, Result, Run } from 'sarif';
import type { Finding, Severity } from './findings';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, Result.level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** GitHub code scanning ranks security results by this CVSS-like score (its docs' bands). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', info: '0.0' };

/** One tool's part of a scan: what it found, or why it did not run. */
export interface SarifToolRun {
  tool: string;
  informationUri?: string;
  /** Set when the tool did not run (or could not check everything): recorded as a failed invocation. */
  notRun?: string;
  findings: readonly Finding[];
}

/**
 * The one place SARIF 2.1.0 is written from Findings. One run per tool (GitHub code scanning keys
 * results by tool), each with its rules, results, suppressions and an invocation that says whether
 * the tool ran; `automationDetails.id` carries the project so uploads of several projects coexist.
 */
export function toSarif(project: string, runs: readonly SarifToolRun[]): Log {
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: runs.map((toolRun): Run => {
      const rules = new Map<string, ReportingDescriptor>();
      for (const finding of toolRun.findings) {
        const existing = rules.get(finding.ruleId);
        const score = SECURITY_SEVERITY[finding.severity];
        if (existing && Number(existing.properties?.['security-severity']) >= Number(score)) continue;
        rules.set(finding.ruleId, {
          id: finding.ruleId,
          shortDescription: { text: finding.ruleId },
          defaultConfiguration: { level: LEVEL[finding.severity] },
          properties: { tags: ['security'], 'security-severity': score },
        });
      }
      const ruleIds = [...rules.keys()];
      return {
        tool: { driver: { name: toolRun.tool, ...(toolRun.informationUri ? { informationUri: toolRun.informationUri } : {}), rules: [...rules.values()] } },
        automationDetails: { id: `${project}/${toolRun.tool}/` },
        invocations: [
          {
            executionSuccessful: toolRun.notRun === undefined,
            ...(toolRun.notRun ? { toolExecutionNotifications: [{ level: 'error', message: { text: `not run: ${toolRun.notRun}` } }] } : {}),
          },
        ],
        results: toolRun.findings.map(
          (finding): Result => ({
            ruleId: finding.ruleId,
            ruleIndex: ruleIds.indexOf(finding.ruleId),
            level: LEVEL[finding.severity],
            message: { text: finding.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: finding.file.split('\\').join('/') },
                  region: { startLine: Math.max(1, finding.line) },
                },
              },
            ],
            partialFingerprints: { 'customercare/v1': finding.fingerprint },
            properties: { severity: finding.severity },
            ...(finding.suppressed
              ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${finding.suppressed.reason} (expires ${finding.suppressed.expires})` }] }
              : {}),
          }),
        ),
      };
    }),
  };
}

import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import { findTool } from '@customercare/nx-core';
import { dependencyManifest } from './osv-scanner';
import type { Scanner } from './types';

interface TrivyReport {
  SchemaVersion?: number;
  Results?: Array<{
    Target: string;
    Vulnerabilities?: Array<{
      VulnerabilityID: string;
      PkgName: string;
      InstalledVersion?: string;
      FixedVersion?: string;
      Severity?: string;
      Title?: string;
    }>;
  }>;
}

const SEVERITY: Record<string, Severity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNKNOWN: 'medium',
};

/** `trivy fs --scanners vuln` (https://trivy.dev/latest/docs/configuration/reporting/#json), JSON report. */
export const trivy: Scanner = {
  name: 'trivy',
  category: 'vulnerabilities',
  appliesTo: ['python', 'npm'],
  invocation(context) {
    const tool = findTool('trivy', context.tools)?.path;
    if (!tool)
      return {
        notRun:
          'trivy is not installed (its vulnerability database registry is not reachable from this machine either)',
      };
    const manifest = dependencyManifest(context);
    if ('notRun' in manifest) return manifest;
    const outputFile = join(context.rawDir, 'trivy.json');
    return {
      command: {
        label: 'trivy',
        command: tool,
        args: [
          'fs',
          '--scanners',
          'vuln',
          '--format',
          'json',
          '--output',
          outputFile,
          '--quiet',
          '--exit-code',
          '0',
          manifest.path,
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      okExitCodes: [0],
    };
  },
  parse(output) {
    const report = JSON.parse(output) as TrivyReport;
    const findings: Finding[] = (report.Results ?? []).flatMap((result) =>
      (result.Vulnerabilities ?? []).map((v) => ({
        tool: 'trivy' as const,
        ruleId: v.VulnerabilityID,
        severity: SEVERITY[(v.Severity ?? 'UNKNOWN').toUpperCase()] ?? 'medium',
        message: `${v.PkgName} ${v.InstalledVersion ?? ''}: ${v.Title ?? v.VulnerabilityID}${v.FixedVersion ? `; fixed in ${v.FixedVersion}` : ''}`,
        file: result.Target,
        line: 1,
        fingerprint: fingerprintOf('trivy', v.VulnerabilityID, v.PkgName, v.InstalledVersion ?? ''),
      })),
    );
    return { findings };
  },
};

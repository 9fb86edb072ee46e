import { join, relative } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import { findTool } from '@customercare/nx-core';
import type { ScanContext, Scanner } from './types';

interface OsvReport {
  results?: Array<{
    source?: { path?: string };
    packages?: Array<{
      package: { name: string; version?: string; ecosystem?: string };
      vulnerabilities?: Array<{ id: string; summary?: string; database_specific?: { severity?: string } }>;
      groups?: Array<{ ids: string[]; aliases?: string[]; max_severity?: string }>;
    }>;
  }>;
}

/** A CVSS base score (osv-scanner's `max_severity`) to a severity, by CVSS v3's own bands. */
export function severityOfCvss(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** The lockfile osv-scanner and trivy read for a project: its exported requirements, or the npm lockfile. */
export function dependencyManifest(context: ScanContext): { path: string; osvArg: string } | { notRun: string } {
  if (context.kind === 'python') {
    const requirements = context.pythonRequirements;
    if (!requirements || 'unavailable' in requirements)
      return { notRun: requirements?.unavailable ?? 'no dependency list for this project' };
    return { path: requirements.file, osvArg: `requirements.txt:${requirements.file}` };
  }
  const lockfile = join(context.workspaceRoot, 'package-lock.json');
  return { path: lockfile, osvArg: lockfile };
}

/** osv-scanner v2 (https://google.github.io/osv-scanner/output/#json), JSON output. */
export const osvScanner: Scanner = {
  name: 'osv-scanner',
  category: 'vulnerabilities',
  appliesTo: ['python', 'npm'],
  invocation(context) {
    const tool = findTool('osv-scanner', context.tools)?.path;
    if (!tool)
      return {
        notRun:
          'osv-scanner is not installed (its advisory database at osv.dev is not reachable from this machine either)',
      };
    const manifest = dependencyManifest(context);
    if ('notRun' in manifest) return manifest;
    const outputFile = join(context.rawDir, 'osv-scanner.json');
    return {
      command: {
        label: 'osv-scanner',
        command: tool,
        args: ['scan', 'source', '--format', 'json', '--output', outputFile, '--lockfile', manifest.osvArg],
        cwd: context.workspaceRoot,
      },
      outputFile,
      // 1 = vulnerabilities found; 128 = no packages found; anything else is an error.
      okExitCodes: [0, 1, 128],
    };
  },
  parse(output, context) {
    const report = JSON.parse(output) as OsvReport;
    const findings: Finding[] = [];
    for (const result of report.results ?? []) {
      const file = result.source?.path ? relative(context.workspaceRoot, result.source.path) : 'dependencies';
      for (const pkg of result.packages ?? []) {
        for (const group of pkg.groups ?? []) {
          const score = Number.parseFloat(group.max_severity ?? '');
          const vuln = pkg.vulnerabilities?.find((v) => group.ids.includes(v.id));
          const databaseSeverity = vuln?.database_specific?.severity?.toLowerCase();
          const severity: Severity = Number.isFinite(score)
            ? severityOfCvss(score)
            : databaseSeverity === 'moderate'
              ? 'medium'
              : ((['critical', 'high', 'medium', 'low'] as const).find((s) => s === databaseSeverity) ?? 'high');
          findings.push({
            tool: 'osv-scanner',
            ruleId: group.ids[0],
            severity,
            message: `${pkg.package.name} ${pkg.package.version ?? ''} (${pkg.package.ecosystem ?? ''}): ${vuln?.summary ?? group.ids.join(', ')}`,
            file,
            line: 1,
            fingerprint: fingerprintOf('osv-scanner', group.ids[0], pkg.package.name, pkg.package.version ?? ''),
          });
        }
      }
    }
    return { findings };
  },
};

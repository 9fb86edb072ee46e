import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import { nodeRuntimeTool } from '@customercare/nx-core';
import type { Scanner } from './types';

interface NpmAuditReport {
  auditReportVersion?: number;
  vulnerabilities?: Record<
    string,
    {
      name: string;
      severity: string;
      range?: string;
      via: Array<string | { title?: string; url?: string; source?: number }>;
      fixAvailable?: unknown;
    }
  >;
  metadata?: { dependencies?: { total?: number } };
  message?: string;
  statusCode?: number;
  error?: { code?: string; summary?: string; detail?: string };
}

const SEVERITY: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  moderate: 'medium',
  low: 'low',
  info: 'info',
};

/** `npm audit --json` for one workspace (https://docs.npmjs.com/cli/commands/npm-audit), report version 2. */
export const npmAudit: Scanner = {
  name: 'npm-audit',
  category: 'vulnerabilities',
  appliesTo: ['npm'],
  invocation(context) {
    const tool = nodeRuntimeTool('npm');
    if (!context.packageName) return { notRun: 'the project has no package.json name to audit' };
    const outputFile = join(context.rawDir, 'npm-audit.json');
    return {
      command: {
        label: 'npm audit',
        command: tool,
        args: ['audit', '--json', '--omit=dev', '--workspace', context.packageName],
        cwd: context.workspaceRoot,
      },
      outputFile,
      stdout: true,
      // 1 = vulnerabilities found, and also "the registry refused": parse() tells them apart.
      okExitCodes: [0, 1],
    };
  },
  parse(output) {
    const report = JSON.parse(output) as NpmAuditReport;
    if (report.message || report.error || report.auditReportVersion === undefined) {
      const reason = report.message ?? report.error?.summary ?? report.error?.code ?? 'no audit report in the output';
      return { notRun: `the npm advisory endpoint did not answer: ${reason}` };
    }
    const findings: Finding[] = Object.values(report.vulnerabilities ?? {}).map((v) => {
      const advisories = v.via.filter((via): via is { title?: string; url?: string } => typeof via === 'object');
      const through = v.via.filter((via): via is string => typeof via === 'string');
      const what = advisories.length
        ? advisories.map((a) => `${a.title ?? 'advisory'}${a.url ? ` (${a.url})` : ''}`).join('; ')
        : `through ${through.join(', ')}`;
      return {
        tool: 'npm-audit',
        ruleId: advisories[0]?.url?.split('/').pop() ?? `npm-audit/${v.name}`,
        severity: SEVERITY[v.severity] ?? 'medium',
        message: `${v.name} ${v.range ?? ''}: ${what}`,
        file: 'package-lock.json',
        line: 1,
        fingerprint: fingerprintOf('npm-audit', v.name, v.range ?? '', what),
        package: { ecosystem: 'npm' as const, name: v.name },
      };
    });
    return { findings, summary: `${report.metadata?.dependencies?.total ?? '?'} dependencies audited` };
  },
};

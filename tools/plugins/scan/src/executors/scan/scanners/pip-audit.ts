import { join } from 'node:path';
import { fingerprintOf, type Finding } from '@customercare/nx-core';
import { scannerTool } from './locate';
import type { Scanner } from './types';

interface PipAuditReport {
  dependencies?: Array<{
    name: string;
    version?: string;
    vulns?: Array<{ id: string; fix_versions?: string[]; aliases?: string[]; description?: string }>;
    skip_reason?: string;
  }>;
}

/**
 * pip-audit over the project's pinned dependencies (https://github.com/pypa/pip-audit), JSON
 * format. PyPI's advisory data has no severity, so every known vulnerability is high.
 */
export const pipAudit: Scanner = {
  name: 'pip-audit',
  category: 'vulnerabilities',
  appliesTo: ['python'],
  invocation(context) {
    const requirements = context.pythonRequirements;
    if (!requirements || 'unavailable' in requirements)
      return { notRun: requirements?.unavailable ?? 'no dependency list for this project' };
    const tool = scannerTool('pip-audit', context);
    const outputFile = join(context.rawDir, 'pip-audit.json');
    return {
      command: {
        label: 'pip-audit',
        command: tool,
        args: [
          '--requirement',
          requirements.file,
          '--require-hashes',
          '--disable-pip',
          '--format',
          'json',
          '--output',
          outputFile,
          '--progress-spinner',
          'off',
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      // 1 = vulnerabilities found.
      okExitCodes: [0, 1],
    };
  },
  parse(output, context) {
    const report = JSON.parse(output) as PipAuditReport;
    const dependencies = report.dependencies ?? [];
    const lockfile = 'uv.lock';
    const findings: Finding[] = dependencies.flatMap((dependency) =>
      (dependency.vulns ?? []).map((vuln) => ({
        tool: 'pip-audit' as const,
        ruleId: vuln.id,
        severity: 'high' as const,
        message: `${dependency.name} ${dependency.version ?? ''} has ${[vuln.id, ...(vuln.aliases ?? [])].join(' / ')}${
          vuln.fix_versions?.length ? `; fixed in ${vuln.fix_versions.join(', ')}` : '; no fixed version yet'
        }`,
        file: lockfile,
        line: 1,
        fingerprint: fingerprintOf(
          'pip-audit',
          vuln.id,
          context.projectName,
          dependency.name,
          dependency.version ?? '',
        ),
        package: { ecosystem: 'pypi' as const, name: dependency.name, version: dependency.version },
      })),
    );
    const skipped = dependencies.filter((d) => d.skip_reason);
    // pip-audit prints "No known vulnerabilities found" even when it could look nothing up.
    if (skipped.length === dependencies.length && dependencies.length > 0) {
      return {
        notRun: `the advisory source did not answer for any of ${dependencies.length} dependencies (${skipped[0].skip_reason})`,
      };
    }
    if (skipped.length > 0) {
      return {
        findings,
        incomplete: `${skipped.length} of ${dependencies.length} dependencies could not be audited (${skipped
          .map((d) => d.name)
          .slice(0, 5)
          .join(', ')}${skipped.length > 5 ? ', ...' : ''})`,
      };
    }
    return { findings, summary: `${dependencies.length} dependencies audited` };
  },
};

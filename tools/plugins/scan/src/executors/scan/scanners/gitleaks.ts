import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, type Finding } from '@customercare/nx-core';
import { scannerTool } from './locate';
import type { Scanner } from './types';

interface GitleaksLeak {
  RuleID: string;
  Description: string;
  File: string;
  StartLine: number;
  Secret?: string;
  Match?: string;
  Fingerprint?: string;
}

/** The repository's gitleaks config: gitleaks' default rules plus the paths that hold no source. */
export const GITLEAKS_CONFIG = 'security/gitleaks.toml';

/**
 * How every gitleaks run of this repository reports (the source scan and the image test's scan): a
 * redacted JSON file, since the report is uploaded as a CI artefact and must never hold a secret in
 * clear, and in-file `gitleaks:allow` comments ignored, since they would bypass the reviewed suppressions.
 */
export function gitleaksReportArgs(reportFile: string): string[] {
  return [
    '--report-format',
    'json',
    '--report-path',
    reportFile,
    '--redact',
    '--no-banner',
    '--no-color',
    '--log-level',
    'warn',
    '--ignore-gitleaks-allow',
  ];
}

/** gitleaks over the project's files (https://github.com/gitleaks/gitleaks), JSON report. Secrets are critical. */
export const gitleaks: Scanner = {
  name: 'gitleaks',
  category: 'secrets',
  appliesTo: ['python', 'npm'],
  invocation(context) {
    const tool = scannerTool('gitleaks', context);
    const config = join(context.workspaceRoot, GITLEAKS_CONFIG);
    const outputFile = join(context.rawDir, 'gitleaks.json');
    return {
      command: {
        label: 'gitleaks',
        command: tool,
        args: [
          'dir',
          context.projectRoot,
          ...(existsSync(config) ? ['--config', config] : []),
          ...gitleaksReportArgs(outputFile),
          // .gitleaksignore files would bypass the reviewed suppressions file too.
          '--gitleaks-ignore-path',
          context.rawDir,
          '--exit-code',
          '1',
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      okExitCodes: [0, 1],
    };
  },
  parse(output) {
    const leaks = JSON.parse(output) as GitleaksLeak[];
    const findings: Finding[] = leaks.map((leak) => ({
      tool: 'gitleaks',
      ruleId: leak.RuleID,
      severity: 'critical',
      message: `${leak.Description}: a secret is committed in this file. Revoke it, remove it from the file (and from git history), and load it from the environment instead.`,
      file: leak.File,
      line: leak.StartLine,
      // The redacted report has no secret to hash; gitleaks' own fingerprint (file:rule:line) is stable enough.
      fingerprint: fingerprintOf('gitleaks', leak.RuleID, leak.File, leak.Fingerprint ?? leak.StartLine),
    }));
    return { findings };
  },
};

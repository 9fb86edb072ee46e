import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import { scannerTool } from './locate';
import type { Scanner } from './types';

interface BanditReport {
  results?: Array<{
    filename: string;
    line_number: number;
    test_id: string;
    test_name: string;
    issue_severity: 'HIGH' | 'MEDIUM' | 'LOW' | 'UNDEFINED';
    issue_confidence: string;
    issue_text: string;
    code?: string;
    more_info?: string;
  }>;
  errors?: Array<{ filename: string; reason: string }>;
}

const SEVERITY: Record<string, Severity> = { HIGH: 'high', MEDIUM: 'medium', LOW: 'low', UNDEFINED: 'info' };

/** bandit: Python static analysis (https://bandit.readthedocs.io), JSON report. */
export const bandit: Scanner = {
  name: 'bandit',
  category: 'static analysis',
  appliesTo: ['python'],
  invocation(context) {
    const tool = scannerTool('bandit', context);
    const outputFile = join(context.rawDir, 'bandit.json');
    return {
      command: {
        label: 'bandit',
        command: tool,
        args: [
          '--recursive',
          '--format',
          'json',
          '--output',
          outputFile,
          '--quiet',
          // Inline `# nosec` would bypass the reviewed suppressions file, which is the only way to suppress.
          '--ignore-nosec',
          ...(context.exclude.length ? ['--exclude', context.exclude.join(',')] : []),
          context.projectRoot,
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      // bandit exits 1 when it found issues: a finished scan either way.
      okExitCodes: [0, 1],
    };
  },
  parse(output) {
    const report = JSON.parse(output) as BanditReport;
    const findings: Finding[] = (report.results ?? []).map((r) => ({
      tool: 'bandit',
      ruleId: r.test_id,
      severity: SEVERITY[r.issue_severity] ?? 'medium',
      message: `${r.issue_text} (${r.test_name}, confidence ${r.issue_confidence.toLowerCase()})`,
      file: r.filename,
      line: r.line_number,
      fingerprint: fingerprintOf('bandit', r.test_id, r.filename, (r.code ?? '').replace(/^\d+\s*/gm, '').trim()),
    }));
    // A file bandit could not parse was not analysed: report it rather than let it pass unseen.
    for (const error of report.errors ?? []) {
      findings.push({
        tool: 'bandit',
        ruleId: 'not-analysed',
        severity: 'medium',
        message: `bandit could not analyse this file: ${error.reason}`,
        file: error.filename,
        line: 1,
        fingerprint: fingerprintOf('bandit', 'not-analysed', error.filename),
      });
    }
    return { findings };
  },
};

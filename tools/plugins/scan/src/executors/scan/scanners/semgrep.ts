import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import { scannerTool } from './locate';
import type { Scanner } from './types';

interface SemgrepReport {
  results?: Array<{
    check_id: string;
    path: string;
    start: { line: number };
    extra: { message: string; severity: string; lines?: string; metadata?: Record<string, unknown> };
  }>;
  errors?: Array<{ level?: string; type?: unknown; message?: string; path?: string }>;
}

const SEVERITY: Record<string, Severity> = {
  CRITICAL: 'critical',
  ERROR: 'high',
  HIGH: 'high',
  WARNING: 'medium',
  MEDIUM: 'medium',
  INFO: 'low',
  LOW: 'low',
  INVENTORY: 'info',
  EXPERIMENT: 'info',
};

/** semgrep with the repository's own rules only (https://semgrep.dev/docs/cli-reference), JSON output. */
export const semgrep: Scanner = {
  name: 'semgrep',
  category: 'static analysis',
  appliesTo: ['python', 'npm'],
  invocation(context) {
    const tool = scannerTool('semgrep', context);
    if (!existsSync(context.semgrepRules)) {
      return {
        notRun: `no semgrep rules at ${relative(context.workspaceRoot, context.semgrepRules)} (security.semgrepRules in gates.json)`,
      };
    }
    const outputFile = join(context.rawDir, 'semgrep.json');
    return {
      command: {
        label: 'semgrep',
        command: tool,
        args: [
          'scan',
          // Rules come from the repository only: `--config auto` would fetch them from the internet.
          '--config',
          context.semgrepRules,
          '--json',
          '--output',
          outputFile,
          '--metrics=off',
          '--disable-version-check',
          // Inline `nosemgrep` would bypass the reviewed suppressions file.
          '--disable-nosem',
          '--quiet',
          ...context.exclude.flatMap((glob) => ['--exclude', glob]),
          context.projectRoot,
        ],
        cwd: context.workspaceRoot,
        env: { SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off' },
      },
      outputFile,
      // 0 = scan finished (findings or not); other codes are errors (https://semgrep.dev/docs/cli-reference#exit-codes).
      okExitCodes: [0],
    };
  },
  parse(output) {
    const report = JSON.parse(output) as SemgrepReport;
    const fatal = (report.errors ?? []).filter((e) => e.level === 'error');
    if (fatal.length > 0) {
      return {
        notRun: `semgrep reported ${fatal.length} error(s): ${fatal
          .map((e) => e.message ?? JSON.stringify(e.type))
          .join('; ')
          .slice(0, 300)}`,
      };
    }
    const findings: Finding[] = (report.results ?? []).map((r) => ({
      tool: 'semgrep',
      // Rules in a folder get ids like "security.semgrep.python-subprocess-shell": keep the rule's own id.
      ruleId: r.check_id.split('.').pop() ?? r.check_id,
      severity: SEVERITY[r.extra.severity.toUpperCase()] ?? 'medium',
      message: r.extra.message.trim(),
      file: r.path,
      line: r.start.line,
      fingerprint: fingerprintOf('semgrep', r.check_id, r.path, (r.extra.lines ?? '').trim()),
    }));
    for (const warning of report.errors ?? []) {
      if (!warning.path) continue;
      findings.push({
        tool: 'semgrep',
        ruleId: 'not-analysed',
        severity: 'info',
        message: `semgrep could not fully parse this file: ${warning.message ?? ''}`.trim(),
        file: warning.path,
        line: 1,
        fingerprint: fingerprintOf('semgrep', 'not-analysed', warning.path),
      });
    }
    return { findings };
  },
};

import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity, type ToolCommand } from '../shared';
import { runForReport, runLimits } from './tool';
import type { DastContext, DastScanner } from './types';

interface SchemathesisReport {
  complete?: boolean;
  stop_reason?: string;
  operations?: { total: number; tested: number; errored: number };
  test_cases?: { generated: number };
  failures?: Array<{ code: string; title: string; severity: string; count: number; operations: string[] }>;
  errors?: Array<{ title?: string; message?: string; operation?: string } | string>;
}

const SEVERITIES: readonly string[] = ['critical', 'high', 'medium', 'low', 'info'];

/** `st run` against the proxied service: every check, positive and negative data, stateful links. */
export function schemathesisCommand(context: DastContext, baseUrl: string, reportFile: string): ToolCommand {
  const settings = context.config.scanners.schemathesis;
  return {
    label: 'schemathesis',
    command: 'schemathesis',
    args: [
      'run',
      baseUrl + context.config.openapi,
      '--checks',
      'all',
      '--mode',
      'all',
      '--phases',
      settings.phases.join(','),
      '--max-examples',
      String(settings.maxExamples),
      '--max-response-time',
      String(context.config.responseTimeLimitMs / 1000),
      '--request-timeout',
      '10',
      '--seed',
      '1',
      '--workers',
      '1',
      '--no-color',
      '--report',
      'json',
      '--report-json-path',
      reportFile,
      ...context.config.excludePaths.flatMap((path) => ['--exclude-path', path]),
      ...Object.entries(context.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    ],
    cwd: context.workspaceRoot,
    // The dast target's own checks (missing security headers) load as schemathesis hooks.
    env: { SCHEMATHESIS_HOOKS: 'dast_checks', PYTHONPATH: context.hooksDir },
  };
}

/** "GET /items" -> method and path. */
function splitOperation(operation: string): { method: string; path: string } {
  const [method, ...rest] = operation.split(' ');
  return { method, path: rest.join(' ') || operation };
}

/** One Finding per failure kind and operation; a run that could not test everything is incomplete. */
export function parseSchemathesis(output: string): { findings: Finding[]; incomplete?: string; summary: string } {
  const report = JSON.parse(output) as SchemathesisReport;
  if (!report.failures || !report.operations)
    throw new Error('not a schemathesis JSON report (no failures or operations)');
  const findings: Finding[] = report.failures.flatMap((failure) => {
    const custom = /`(\w+)`/.exec(failure.title)?.[1];
    const ruleId = custom ? `${failure.code}:${custom}` : failure.code;
    const severity = (SEVERITIES.includes(failure.severity) ? failure.severity : 'medium') as Severity;
    return failure.operations.map((operation) => {
      const { method, path } = splitOperation(operation);
      return {
        tool: 'schemathesis',
        ruleId,
        severity,
        message: `${failure.title} on ${method} ${path} (\`st explain ${failure.code}\`; cases in the raw schemathesis report)`,
        file: `${method} ${path}`,
        line: 1,
        fingerprint: fingerprintOf('schemathesis', ruleId, method, path),
      } satisfies Finding;
    });
  });
  const errors = (report.errors ?? []).map((e) =>
    typeof e === 'string' ? e : `${e.operation ?? ''} ${e.title ?? e.message ?? ''}`.trim(),
  );
  const untested = report.operations.errored > 0 || report.operations.tested < report.operations.total;
  const summary = `${report.operations.tested}/${report.operations.total} operations, ${report.test_cases?.generated ?? 0} cases`;
  return {
    findings,
    summary,
    incomplete:
      errors.length || untested
        ? `${report.operations.tested} of ${report.operations.total} operations tested, ${report.operations.errored} errored${errors.length ? `: ${errors.slice(0, 3).join('; ')}` : ''}`
        : undefined,
  };
}

export const schemathesis: DastScanner = {
  name: 'schemathesis',
  checks: 'API fuzzing: 5xx, schema violations, missing security headers, slow answers',
  async run(context, proxy, log) {
    const reportFile = join(context.rawDir, 'schemathesis.json');
    // Exit 1: it ran and found failures; anything else is an error.
    const outcome = await runForReport(
      schemathesisCommand(context, proxy.url, reportFile),
      reportFile,
      [0, 1],
      log,
      runLimits(context, 'schemathesis'),
    );
    if ('problem' in outcome) return outcome.missingTool ? { failed: outcome.problem } : { notRun: outcome.problem };
    return parseSchemathesis(outcome.output);
  },
};

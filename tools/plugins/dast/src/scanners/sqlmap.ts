import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { injectionTargets, type InjectionTarget } from '../openapi';
import { fingerprintOf, type Finding, type ToolCommand } from '../shared';
import { runForReport, runLimits } from './tool';
import type { DastContext, DastParsed, DastScanner } from './types';

/** sqlmap against one operation: its query parameters and JSON body fields, at the configured level and risk. */
export function sqlmapCommand(
  context: DastContext,
  baseUrl: string,
  target: InjectionTarget,
  outputDir: string,
): ToolCommand {
  const settings = context.config.scanners.sqlmap;
  const query = new URLSearchParams(target.query).toString();
  const headers = { ...context.headers, ...(target.body ? { 'Content-Type': 'application/json' } : {}) };
  return {
    label: `sqlmap (${target.method} ${target.path})`,
    command: 'sqlmap',
    args: [
      '--url',
      `${baseUrl}${target.path}${query ? `?${query}` : ''}`,
      '--method',
      target.method,
      ...(target.body ? ['--data', JSON.stringify(target.body)] : []),
      '-p',
      target.parameters.join(','),
      '--level',
      String(settings.level),
      '--risk',
      String(settings.risk),
      // Full tests only where a heuristic saw a sign of injection: the budget stays bounded.
      '--smart',
      '--batch',
      '--flush-session',
      '--disable-coloring',
      '--timeout',
      '10',
      '--retries',
      '0',
      // A sign-in endpoint answers 401 to the sample credentials: that is its normal answer to compare with.
      '--ignore-code',
      '401',
      '--output-dir',
      outputDir,
      ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    ],
    cwd: outputDir,
    // sqlmap keeps history under the home folder: keep it in the reports.
    env: { HOME: outputDir },
  };
}

/** The injection points sqlmap's console output lists ("Parameter: name (GET)" blocks), one Finding each. */
export function parseSqlmap(output: string, target: InjectionTarget): { findings: Finding[]; problem?: string } {
  const findings: Finding[] = [];
  const blocks = output.split(/^Parameter: /m).slice(1);
  for (const block of blocks) {
    const [head] = block.split('\n');
    const match = /^(.+?) \(([^)]+)\)/.exec(head.trim());
    if (!match) continue;
    const [, parameter, place] = match;
    const body = block.split(/^---$/m)[0];
    const types = [...body.matchAll(/^\s+Type: (.+)$/gm)].map((m) => m[1].trim());
    findings.push({
      tool: 'sqlmap',
      ruleId: 'sql-injection',
      severity: 'critical',
      message: `SQL injection in ${place} parameter \`${parameter}\` of ${target.method} ${target.path} (${types.join(', ')})`,
      file: `${target.method} ${target.path}`,
      line: 1,
      fingerprint: fingerprintOf('sqlmap', 'sql-injection', target.method, target.path, parameter),
    });
  }
  // A run that could not reach the target, or stopped early, has not shown the parameters clean.
  const critical = [...output.matchAll(/\[CRITICAL\] (.+)$/gm)]
    .map((m) => m[1].trim())
    .filter((line) => !line.startsWith('all tested parameters do not appear to be injectable'));
  const clean = /all tested parameters do not appear to be injectable/.test(output);
  const problem =
    findings.length === 0 && !clean ? (critical[0] ?? 'sqlmap ended without a verdict on the parameters') : undefined;
  return { findings, problem };
}

export const sqlmap: DastScanner = {
  name: 'sqlmap',
  checks: 'SQL injection in every query and JSON body parameter of the OpenAPI document',
  async run(context, proxy, log): Promise<DastParsed> {
    const targets = injectionTargets(context.openapi, context.config.excludePaths);
    const findings: Finding[] = [];
    const problems: string[] = [];
    for (const [index, target] of targets.entries()) {
      const outputDir = join(context.rawDir, 'sqlmap', String(index));
      mkdirSync(outputDir, { recursive: true });
      const consoleFile = join(outputDir, 'console.txt');
      const outcome = await runForReport(
        sqlmapCommand(context, proxy.url, target, outputDir),
        consoleFile,
        [0, 1],
        log,
        {
          ...runLimits(context, 'sqlmap'),
          stdout: true,
        },
      );
      if ('problem' in outcome) {
        if (outcome.missingTool) return { failed: outcome.problem };
        problems.push(`${target.method} ${target.path}: ${outcome.problem}`);
        continue;
      }
      const log_ = join(outputDir, '127.0.0.1', 'log');
      const parsed = parseSqlmap(`${outcome.output}\n${existsSync(log_) ? readFileSync(log_, 'utf8') : ''}`, target);
      findings.push(...parsed.findings);
      if (parsed.problem) problems.push(`${target.method} ${target.path}: ${parsed.problem}`);
    }
    const unique = [...new Map(findings.map((f) => [f.fingerprint, f])).values()];
    return {
      findings: unique,
      summary: `${targets.length} operations, ${targets.reduce((n, t) => n + t.parameters.length, 0)} parameters`,
      incomplete: problems.length
        ? `${problems.length} operation(s) without a verdict: ${problems.slice(0, 3).join('; ')}`
        : undefined,
    };
  },
};

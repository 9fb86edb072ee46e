import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { receiverName, SEVERITIES } from '../../generate/alertmanager';
import type { BuiltMonitoring } from '../../generate/build';
import type { Severity } from '../../slo/types';

/** One tool run of the monitoring checks: pure data, built without running anything. */
export interface Check {
  /** A stable id, also the name of its output file and JUnit case. */
  id: string;
  tool: 'promtool' | 'amtool';
  args: string[];
  cwd: string;
}

export function routeTestArgs(alertmanagerFile: string, service: string, severity: Severity): string[] {
  return [
    'config',
    'routes',
    'test',
    `--config.file=${alertmanagerFile}`,
    `--verify.receivers=${receiverName(service, severity)}`,
    `service=${service}`,
    `severity=${severity}`,
  ];
}

/** The promtool and amtool runs that check one service's generated files, in order. */
export function checksFor(built: BuiltMonitoring, service: string): Check[] {
  const checks: Check[] = [
    { id: 'promtool-check-rules', tool: 'promtool', args: ['check', 'rules', built.rulesFile], cwd: built.outputDir },
  ];
  if (built.testFiles.length > 0) {
    checks.push({
      id: 'promtool-test-rules',
      tool: 'promtool',
      args: ['test', 'rules', ...built.testFiles],
      cwd: built.outputDir,
    });
  }
  checks.push({
    id: 'amtool-check-config',
    tool: 'amtool',
    args: ['check-config', built.alertmanagerFile],
    cwd: built.outputDir,
  });
  for (const severity of SEVERITIES) {
    checks.push({
      id: `amtool-routes-${severity}`,
      tool: 'amtool',
      args: routeTestArgs(built.alertmanagerFile, service, severity),
      cwd: built.outputDir,
    });
  }
  return checks;
}

interface PromtoolTestFile {
  tests?: Array<{ alert_rule_test?: Array<{ alertname?: string; exp_alerts?: unknown[] }> }>;
}

/**
 * Which alerts the promtool tests cover both ways: a case where the alert fires and one where it
 * does not. An alert tested only one way is not covered (a rule that always fires passes the first).
 */
export function alertCoverage(testFiles: readonly string[], alerts: readonly string[]) {
  const fires = new Set<string>();
  const quiet = new Set<string>();
  for (const file of testFiles) {
    const data = parse(readFileSync(file, 'utf8')) as PromtoolTestFile | null;
    for (const test of data?.tests ?? []) {
      for (const c of test.alert_rule_test ?? []) {
        if (!c.alertname) continue;
        ((c.exp_alerts ?? []).length > 0 ? fires : quiet).add(c.alertname);
      }
    }
  }
  const covered = alerts.filter((a) => fires.has(a) && quiet.has(a));
  const missing = alerts
    .filter((a) => !covered.includes(a))
    .map(
      (a) =>
        `${a} (${[!fires.has(a) && 'no case where it fires', !quiet.has(a) && 'no case where it stays quiet'].filter(Boolean).join(', ')})`,
    );
  return { covered, missing, percent: alerts.length === 0 ? 100 : (covered.length / alerts.length) * 100 };
}

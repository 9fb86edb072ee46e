import type { ExecutorContext } from '@nx/devkit';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildMonitoring, type BuiltMonitoring } from '../../generate/build';
import {
  formatGateLine,
  loadGates,
  projectOf,
  runTool,
  writeGateResults,
  writeJUnit,
  type GateResult,
  type JUnitCase,
} from '../../shared';
import { loadSlo } from '../../slo/load';
import { alertCoverage, checksFor, type Check } from './checks';
import type { MonitoringExecutorOptions } from './schema';

/** The share of alerts (percent) the promtool tests must cover both ways when gates.json does not say. */
export const DEFAULT_ALERT_TEST_COVERAGE = 100;

export interface CheckOutcome {
  check: Check;
  passed: boolean;
  reason?: string;
  output: string;
  seconds: number;
}

/**
 * Runs one check: no shell, the tool found through the resolver, stdout and stderr streamed to ours
 * and both kept in `outputFile` (promtool and amtool print their failures on stderr).
 */
async function runCheck(check: Check, outputFile: string): Promise<{ exitCode: number; tail: string }> {
  const fix = `Run \`npm run setup\` (tools/scripts/setup.d/75-monitoring-tools.sh installs ${check.tool}), or set its override variable (tools/toolchain.json).`;
  let output = '';
  const result = await runTool(
    { label: check.id, command: check.tool, args: check.args, cwd: check.cwd },
    {
      fix,
      stdout: 'capture',
      stderr: 'capture',
      onOutput: (text, stream) => {
        (stream === 'stdout' ? process.stdout : process.stderr).write(text);
        output += text;
      },
    },
  );
  writeFileSync(outputFile, output);
  const lines = output
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('Warning: --config.file'));
  return { exitCode: result.exitCode, tail: lines.slice(-3).join(' | ') };
}

/** Runs the checks one after the other (each output to its own file); a failed check does not stop the next. */
export async function runChecks(checks: readonly Check[], reports: string): Promise<CheckOutcome[]> {
  mkdirSync(reports, { recursive: true });
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const output = join(reports, `${check.id}.txt`);
    const started = Date.now();
    const result = await runCheck(check, output);
    outcomes.push({
      check,
      passed: result.exitCode === 0,
      reason: result.exitCode === 0 ? undefined : `${check.tool} exited ${result.exitCode}: ${result.tail}`,
      output,
      seconds: (Date.now() - started) / 1000,
    });
  }
  return outcomes;
}

/** gates.json's monitoring.alertTestCoverage for the project (its override, else the default), in percent. */
export function monitoringThreshold(workspaceRoot: string, gatesFile: string | undefined, project: string): number {
  const gates = loadGates(workspaceRoot, gatesFile);
  return (
    gates.projects?.[project]?.monitoring?.alertTestCoverage ??
    gates.defaults.monitoring?.alertTestCoverage ??
    DEFAULT_ALERT_TEST_COVERAGE
  );
}

export default async function monitoringExecutor(
  options: MonitoringExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const workspaceRoot = context.root;
  const sloFile = join(root, options.sloFile ?? 'monitoring/slo.yml');
  const outputPath = options.outputPath ?? join(root, 'dist/monitoring');
  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'monitoring');
  const reports = join(workspaceRoot, reportsDirectory);
  const threshold = monitoringThreshold(workspaceRoot, options.gatesFile, name);
  const cases: JUnitCase[] = [];
  const results: GateResult[] = [];
  const report = join(reportsDirectory, 'junit.xml');

  mkdirSync(reports, { recursive: true });
  let built: BuiltMonitoring | undefined;
  let service = name;
  try {
    const slo = loadSlo(join(workspaceRoot, sloFile), sloFile);
    built = buildMonitoring(
      slo,
      sloFile,
      join(workspaceRoot, root, options.testsDirectory ?? 'monitoring/tests'),
      join(workspaceRoot, outputPath),
    );
    service = slo.service;
    cases.push({ className: 'monitoring', name: 'generate', file: sloFile });
    console.log(
      `Generated from ${sloFile} into ${outputPath}: ${built.recorded.length} recording rules, ${built.alerts.length} alerts, ` +
        `${built.panels.length} dashboard queries, ${built.testFiles.length} promtool test file(s).`,
    );
  } catch (error) {
    console.error(error);
    cases.push({ className: 'monitoring', name: 'generate', file: sloFile, failure: (error as Error).message });
  }

  if (built) {
    const checks = checksFor(built, service);
    const outcomes = await runChecks(checks, reports);
    for (const o of outcomes) {
      cases.push({
        className: 'monitoring',
        name: o.check.id,
        timeSeconds: o.seconds,
        failure: o.passed ? undefined : `${o.reason} (full output: ${relative(workspaceRoot, o.output)})`,
      });
    }
    if (built.testFiles.length === 0) {
      cases.push({
        className: 'monitoring',
        name: 'promtool-test-rules',
        failure: `No promtool tests in ${join(root, options.testsDirectory ?? 'monitoring/tests')}: every alert needs a unit test (see docs/plugins/monitoring.md).`,
      });
    }
    const coverage = alertCoverage(built.testFiles, built.alerts);
    const passed = coverage.percent >= threshold;
    cases.push({
      className: 'monitoring',
      name: 'alert-test-coverage',
      failure: passed
        ? undefined
        : `${coverage.percent.toFixed(0)}% of alerts are tested both ways (threshold ${threshold}%): ${coverage.missing.join('; ')}`,
    });
    results.push({
      project: name,
      gate: 'monitoring-alert-tests',
      measured: Number(coverage.percent.toFixed(1)),
      threshold,
      passed,
      report,
      reason: passed ? undefined : `untested: ${coverage.missing.join('; ')}`,
    });
  }

  const failed = cases.filter((c) => c.failure);
  results.unshift({
    project: name,
    gate: 'monitoring',
    measured: `${cases.length - failed.length}/${cases.length} checks`,
    threshold: 'all pass',
    passed: failed.length === 0,
    report,
    reason: failed.length === 0 ? undefined : failed.map((c) => `${c.name}: ${c.failure?.split('\n')[0]}`).join('; '),
  });
  writeJUnit(join(reports, 'junit.xml'), `${name}:monitoring`, cases);
  writeGateResults(reports, results);
  for (const result of results) console.log(formatGateLine(result));
  return { success: results.every((r) => r.passed) };
}

import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gatesForProject, loadGates } from '@customercare/nx-core';
import type { GateResult } from '@customercare/nx-core';
import { formatCommand, runTool } from '@customercare/nx-core';
import { requireVenvTool, SETUP_FIX } from '@customercare/nx-core';
import { executorTools, resolveTool } from '@customercare/nx-core';
import { formatGateLine, writeGateResults } from '@customercare/nx-core';
import { projectOf } from '@customercare/nx-core';
import { buildPytestCommand, describePytestExit, TEST_REPORTS } from './commands';
import type { TestExecutorSchema } from './schema';

export default async function testExecutor(
  options: TestExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const venv = options.venv ?? '.venv';
  // Read the gate before running anything: a broken gates file should fail fast, not after the tests.
  const gates = gatesForProject(loadGates(context.root, options.gatesFile), name);
  requireVenvTool(context.root, venv, 'python', `test ${name}`);
  // pytest runs as `python -m pytest` in that venv: check it is there at the version uv.lock pins.
  resolveTool('pytest', executorTools(venv, context.root));

  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'test');
  const reports = join(context.root, reportsDirectory);
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });

  const command = buildPytestCommand({
    workspaceRoot: context.root,
    projectRoot: root,
    venv,
    coverageSources: options.coverageSources ?? ['src'],
    pytestArgs: options.pytestArgs ?? [],
    reportsDirectory,
  });
  logger.info(`> pytest: ${formatCommand(command)}`);
  const { exitCode } = await runTool(command, SETUP_FIX);
  if (exitCode !== 0) {
    logger.error(
      `test ${name}: ${describePytestExit(exitCode)} (JUnit report: ${join(reportsDirectory, TEST_REPORTS.junit)})`,
    );
    return { success: false };
  }

  const coverageReport = join(reportsDirectory, TEST_REPORTS.cobertura);
  const measured = readLineCoverage(join(reports, TEST_REPORTS.coverageJson));
  const result: GateResult = {
    project: name,
    gate: 'coverage',
    measured: measured === null ? null : Number(measured.toFixed(2)),
    threshold: gates.coverage.min,
    passed: measured !== null && measured >= gates.coverage.min,
    report: coverageReport,
  };
  if (measured === null) {
    result.reason = `coverage.py wrote no report: check that \`coverageSources\` (${(options.coverageSources ?? ['src']).join(', ')}) holds the project's code`;
  } else if (!result.passed) {
    result.reason = `coverage ${result.measured}% is below ${gates.coverage.min}%: cover the lines listed as "Missing" above`;
  }
  writeGateResults(reports, [result]);
  (result.passed ? logger.info : logger.error)(formatGateLine(result));
  return { success: result.passed };
}

/** Total coverage (lines, and branches where measured) in percent from coverage.py's JSON report, or null when there is none. */
function readLineCoverage(path: string): number | null {
  if (!existsSync(path)) return null;
  const report = JSON.parse(readFileSync(path, 'utf8')) as { totals?: { percent_covered?: number } };
  return report.totals?.percent_covered ?? null;
}

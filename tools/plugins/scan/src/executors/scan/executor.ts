import { logger, readJsonFile, type ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { dependencyAgeThresholds, gatesForProject, loadGates, securityGates } from '@customercare/nx-core';
import { formatGateLine, writeGateResults } from '@customercare/nx-core';
import { executorTools } from '@customercare/nx-core';
import { projectOf } from '@customercare/nx-core';
import { advisoriesFrom, dependencyAgeGate } from './dependency-age/policy';
import { loadLicencePolicy } from './licences';
import { exportPythonRequirements } from './python-dependencies';
import { SCAN_REPORTS, scanGateResults, statusText, summarizeRuns, writeScanReports } from './report';
import { runScanner, type ScannerRun } from './run-scanners';
import { scannersFor } from './scanners';
import type { ProjectKind, ScanContext } from './scanners/types';
import { loadSuppressions } from './suppressions';
import type { ScanExecutorSchema } from './schema';

export const DEFAULT_EXCLUDE = ['**/__fixtures__/**', '**/node_modules/**', '**/.venv/**'];

function detectKind(workspaceRoot: string, projectRoot: string): ProjectKind {
  if (existsSync(join(workspaceRoot, projectRoot, 'pyproject.toml'))) return 'python';
  if (existsSync(join(workspaceRoot, projectRoot, 'package.json'))) return 'npm';
  throw new Error(
    `scan: ${projectRoot} has neither pyproject.toml nor package.json; set \`kind\` (python or npm) in the target options.`,
  );
}

export default async function scanExecutor(
  options: ScanExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const workspaceRoot = context.root;
  // Configuration first: a broken gates file, allow-list or suppressions file fails before any tool runs.
  const gates = securityGates(gatesForProject(loadGates(workspaceRoot, options.gatesFile), name));
  const licencePolicy = loadLicencePolicy(workspaceRoot, gates.licenceAllowList);
  const suppressions = loadSuppressions(workspaceRoot, gates.suppressions);
  const kind = options.kind ?? detectKind(workspaceRoot, root);

  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'scan');
  const reports = join(workspaceRoot, reportsDirectory);
  const rawDir = join(reports, 'raw');
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(rawDir, { recursive: true });

  const venv = options.venv ?? '.venv';
  const today = new Date();
  const base: Omit<ScanContext, 'pythonRequirements'> = {
    workspaceRoot,
    projectRoot: root,
    projectName: name,
    kind,
    venv: isAbsolute(venv) ? venv : join(workspaceRoot, venv),
    tools: executorTools(venv, workspaceRoot),
    rawDir,
    semgrepRules: join(workspaceRoot, gates.semgrepRules),
    exclude: options.exclude ?? DEFAULT_EXCLUDE,
    workflows: options.workflows,
    licencePolicy,
    today,
    packageName:
      kind === 'npm' ? readJsonFile<{ name?: string }>(join(workspaceRoot, root, 'package.json')).name : undefined,
    dependencyAge: {
      ...dependencyAgeThresholds(gates),
      npmRegistry: options.npmRegistry ?? 'https://registry.npmjs.org',
      pypiJsonApi: options.pypiJsonApi ?? 'https://pypi.org/pypi',
      cacheDir: join(workspaceRoot, '.cache', 'dependency-age'),
    },
  };

  const applicable = scannersFor(kind, { workflows: options.workflows !== undefined });
  const selected = options.scanners ? applicable.filter((s) => options.scanners?.includes(s.name)) : applicable;
  const needsDependencies = selected.some((s) =>
    ['licences', 'sbom', 'pip-audit', 'osv-scanner', 'trivy'].includes(s.name),
  );
  const scanContext: ScanContext = {
    ...base,
    pythonRequirements: kind === 'python' && needsDependencies ? await exportPythonRequirements(base) : undefined,
  };

  const runs: ScannerRun[] = [];
  for (const scanner of applicable) {
    if (!selected.includes(scanner)) {
      runs.push({
        scanner: scanner.name,
        category: scanner.category,
        status: 'not-run',
        reason: "not selected by the target's `scanners` option",
        findings: [],
        durationMs: 0,
      });
      continue;
    }
    const run = await runScanner(scanner, { ...scanContext, advisories: advisoriesFrom(runs) }, (line) =>
      logger.info(line),
    );
    const outcome = run.status === 'ran' ? `${run.findings.length} finding(s)` : statusText(run);
    logger.info(`  ${run.scanner}: ${outcome} (${(run.durationMs / 1000).toFixed(1)} s)`);
    runs.push(run);
  }

  const summary = summarizeRuns(name, runs, suppressions, gates, today);
  const findings = summary.findings;
  for (const entry of summary.expiredSuppressions) {
    logger.warn(
      `scan ${name}: the suppression of ${entry.tool} ${entry.ruleId}${entry.path ? ` in ${entry.path}` : ''} expired on ${entry.expires}; its findings count again. Fix them or renew the entry in ${gates.suppressions}.`,
    );
  }
  const reportPath = join(reportsDirectory, SCAN_REPORTS.markdown);
  const ageRun = selected.some((s) => s.name === 'dependency-age')
    ? runs.find((run) => run.scanner === 'dependency-age')
    : undefined;
  const results = [
    ...scanGateResults(summary, gates, reportPath),
    ...dependencyAgeGate(ageRun, findings, dependencyAgeThresholds(gates), name, reportPath),
  ];
  writeScanReports(reports, summary, runs, results);
  writeGateResults(reports, results);
  for (const result of results) (result.passed ? logger.info : logger.error)(formatGateLine(result));
  const failed = runs.filter((run) => run.status === 'failed');
  for (const run of failed) logger.error(`scan ${name}: ${run.scanner} ${statusText(run)}`);
  return { success: failed.length === 0 && results.every((r) => r.passed) };
}

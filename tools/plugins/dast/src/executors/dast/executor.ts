import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { signIn } from '../../auth';
import { startBudgetProxy } from '../../budget-proxy';
import { DAST_CONFIG_FILE, DAST_SCANNERS, loadDastConfig, type DastScannerName } from '../../config';
import { dastGateResults, dastGates } from '../../gates';
import { fetchOpenApi } from '../../openapi';
import { DAST_ADAPTERS } from '../../scanners';
import type { DastContext, DastScanner, ServedPages } from '../../scanners/types';
import {
  executorTools,
  formatGateLine,
  gatesForProject,
  loadGates,
  loadScenario,
  loadSuppressions,
  projectOf,
  SCAN_REPORTS,
  securityGates,
  startService,
  statusText,
  summarizeRuns,
  writeGateResults,
  writeScanReports,
  type ScannerRun,
  type StartedService,
} from '../../shared';
import { serveStatic, type StaticSite } from '../../static-site';
import type { DastExecutorSchema } from './schema';

/** Where the schemathesis hooks (the extra checks) live. */
const HOOKS_DIR = join(__dirname, '..', '..', '..', 'python');

/** Runs one adapter through its own budget proxy and turns every way it can end into a ScannerRun. */
export async function runDastScanner(
  scanner: DastScanner,
  serviceUrl: string,
  context: DastContext,
  log: (line: string) => void,
): Promise<ScannerRun> {
  const started = Date.now();
  const settings = context.config.scanners[scanner.name];
  const proxy = await startBudgetProxy(serviceUrl, settings);
  const finish = (run: Pick<ScannerRun, 'status' | 'findings'> & Partial<ScannerRun>): ScannerRun => ({
    scanner: scanner.name,
    category: 'dynamic',
    ...run,
    summary: [run.summary, `${proxy.used()}/${settings.requests} requests, limit ${settings.timeS} s`]
      .filter(Boolean)
      .join('; '),
    durationMs: Date.now() - started,
  });
  try {
    const parsed = await scanner.run(context, proxy, log);
    if ('failed' in parsed) return finish({ status: 'failed', reason: parsed.failed, findings: [] });
    if ('notRun' in parsed) return finish({ status: 'not-run', reason: parsed.notRun, findings: [] });
    const cutOff = proxy.exhausted();
    const incomplete = [cutOff, parsed.incomplete].filter(Boolean).join('; ');
    return incomplete
      ? finish({ status: 'incomplete', reason: incomplete, findings: parsed.findings, summary: parsed.summary })
      : finish({ status: 'ran', findings: parsed.findings, summary: parsed.summary });
  } catch (error) {
    // A report the adapter could not read: never clean, with the reason.
    return finish({ status: 'not-run', reason: (error as Error).message, findings: [] });
  } finally {
    await proxy.close();
  }
}

export default async function dastExecutor(
  options: DastExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const workspaceRoot = context.root;
  // Configuration first: a broken gates file, dast.yml, scenario or suppressions file fails before anything starts.
  const projectGates = gatesForProject(loadGates(workspaceRoot, options.gatesFile), name);
  const gates = dastGates(projectGates);
  const suppressionsFile = securityGates(projectGates).suppressions;
  const suppressions = loadSuppressions(workspaceRoot, suppressionsFile);
  const configFile = join(root, options.config ?? DAST_CONFIG_FILE);
  const config = loadDastConfig(workspaceRoot, configFile);
  const scenarioFile = join(root, config.scenario);
  const service = loadScenario(join(workspaceRoot, scenarioFile), scenarioFile, 'load').service;
  if (!service) {
    throw new Error(
      `${scenarioFile} has no \`service\` section: the dast target starts the service the way perf does. Add one (see apps/backend/perf/load.yml), or point \`scenario\` in ${configFile} at a file that has it.`,
    );
  }

  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'dast');
  const reports = join(workspaceRoot, reportsDirectory);
  const rawDir = join(reports, 'raw');
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(rawDir, { recursive: true });
  const venv = options.venv ?? '.venv';
  const selected = new Set<DastScannerName>(options.scanners ?? DAST_SCANNERS);

  const sites: StaticSite[] = [];
  let started: StartedService | undefined;
  const runs: ScannerRun[] = [];
  try {
    const pages: ServedPages[] = [];
    for (const page of config.pages) {
      const dir = join(workspaceRoot, root, page.dir);
      if (!existsSync(join(dir, 'index.html'))) {
        pages.push({
          name: page.name,
          missing: `no build at ${join(root, page.dir)}${page.build ? ` (run \`nx run ${page.build}\`)` : ''}`,
        });
        continue;
      }
      const site = await serveStatic(dir);
      sites.push(site);
      pages.push({ name: page.name, url: site.url });
    }
    const base = {
      workspaceRoot,
      projectRoot: root,
      projectName: name,
      tools: executorTools(venv, workspaceRoot),
      rawDir,
      config,
      pages,
      hooksDir: HOOKS_DIR,
    };
    for (const scannerName of DAST_SCANNERS) {
      const scanner = DAST_ADAPTERS[scannerName];
      const unavailable = selected.has(scannerName)
        ? await scanner.unavailable?.(config)
        : "not selected by the target's `scanners` option";
      if (unavailable) {
        runs.push({
          scanner: scannerName,
          category: 'dynamic',
          status: 'not-run',
          reason: unavailable,
          findings: [],
          durationMs: 0,
        });
        logger.info(`dast ${name}: ${scannerName} not run: ${unavailable}`);
        continue;
      }
      // Every scanner attacks a freshly started and seeded service: what one deletes or locks
      // (a widget key, an admin after wrong passwords) cannot hide a flaw from the next.
      const serviceLog = join(reports, `service-${scannerName}.log`);
      logger.info(
        `dast ${name}: starting \`${service.command.join(' ')}\` for ${scannerName} (log: ${join(reportsDirectory, `service-${scannerName}.log`)})`,
      );
      const scannerStarted = Date.now();
      try {
        started = await startService(service, {
          projectRoot: join(workspaceRoot, root),
          pathPrepend: [join(isAbsolute(venv) ? venv : join(workspaceRoot, venv), 'bin')],
          logFile: serviceLog,
        });
        const headers = await signIn(started.url, config.auth);
        const openapi = await fetchOpenApi(started.url, config.openapi, headers);
        logger.info(`dast ${name}: ${scannerName} (${scanner.checks}) against ${started.url}`);
        const run = await runDastScanner(scanner, started.url, { ...base, headers, openapi }, (line) =>
          logger.info(line),
        );
        const outcome = run.status === 'ran' ? `${run.findings.length} finding(s)` : statusText(run);
        logger.info(`  ${run.scanner}: ${outcome} (${(run.durationMs / 1000).toFixed(1)} s; ${run.summary ?? ''})`);
        runs.push(run);
      } catch (error) {
        // The service did not start, or the sign-in or its OpenAPI document failed: this scanner
        // attacked nothing. The run goes on, the reports say why, and the target fails.
        logger.error(`dast ${name}: ${scannerName} could not run: ${(error as Error).message}`);
        runs.push({
          scanner: scannerName,
          category: 'dynamic',
          status: 'failed',
          reason: `the service was not ready to attack: ${(error as Error).message.split('\n')[0]}`,
          findings: [],
          durationMs: Date.now() - scannerStarted,
        });
      } finally {
        await started?.stop();
        started = undefined;
      }
    }
  } finally {
    await started?.stop();
    await Promise.all(sites.map((site) => site.close()));
  }

  const summary = summarizeRuns(name, runs, suppressions, gates);
  for (const entry of summary.expiredSuppressions) {
    logger.warn(
      `dast ${name}: the suppression of ${entry.tool} ${entry.ruleId} expired on ${entry.expires}; its findings count again. Fix them or renew the entry in ${suppressionsFile}.`,
    );
  }
  const reportPath = join(reportsDirectory, SCAN_REPORTS.markdown);
  const results = dastGateResults(summary, projectGates, reportPath);
  writeScanReports(reports, summary, runs, results);
  writeGateResults(reports, results);
  for (const result of results) (result.passed ? logger.info : logger.error)(formatGateLine(result));
  const failed = runs.filter((run) => run.status === 'failed');
  for (const run of failed) logger.error(`dast ${name}: ${run.scanner} ${statusText(run)}`);
  return { success: failed.length === 0 && results.every((r) => r.passed) };
}

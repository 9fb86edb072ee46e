import { logger, type ExecutorContext } from '@nx/devkit';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gatesForProject, loadGates } from '@customercare/nx-core';
import type { GateResult, ProjectGates } from '@customercare/nx-core';
import { formatGateLine, GATE_RESULTS_FILE, writeGateResults } from '@customercare/nx-core';
import { projectOf } from '@customercare/nx-core';
import { checkArtilleryFile } from './engines/artillery';
import type { Engine, EngineOutcome } from './engines/engine';
import { ENGINES } from './engines/registry';
import { nodeEngine } from './engines/node';
import { evaluatePerfGates, type Baseline } from './gates';
import { Recorder } from './recorder';
import { writeHtmlReport } from './report/html';
import { PERF_REPORTS, summaryLine, writeJsonReport, type PerfReport } from './report/perf-report';
import {
  checkTarget,
  loadArtilleryScenario,
  loadScenario,
  profileDurationS,
  ScenarioError,
  type Phase,
  type Scenario,
} from './scenario';
import type { PerfExecutorSchema } from './schema';
import { startService, type StartedService } from './service';

/** Time allowed after the last scheduled request for the ones in flight, on top of the request timeout. */
const DRAIN_MARGIN_S = 5;

export default async function perfExecutor(
  options: PerfExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const workspaceRoot = context.root;
  const profile = options.profile ?? 'ci';
  const scenarioPath = join(root, options.scenario ?? 'perf/load.yml');
  // Read the gates and the scenario before starting anything: a broken file fails in a second.
  const gates = gatesForProject(loadGates(workspaceRoot, options.gatesFile), name).perf;
  if (!existsSync(join(workspaceRoot, scenarioPath))) {
    throw new ScenarioError(
      `No scenario at ${scenarioPath}. Create it (see apps/backend/perf/load.yml) or set the target's \`scenario\` option.`,
    );
  }
  // Artillery runs the file as it is (its own flows and plugins); the other engines run what the schema describes.
  const scenario = (options.engine === 'artillery' ? loadArtilleryScenario : loadScenario)(
    join(workspaceRoot, scenarioPath),
    scenarioPath,
    profile,
  );
  const plannedS = profileDurationS(scenario.phases);
  const maxDurationS = options.maxDurationS ?? 3600;
  if (plannedS > maxDurationS) {
    throw new ScenarioError(
      `${scenarioPath}: profile "${profile}" runs ${plannedS}s, over the ${maxDurationS}s limit (maxDurationS). ` +
        'Shorten its phases, or raise maxDurationS for a scheduled run (e.g. --maxDurationS=7200).',
    );
  }
  // A baseline report given as an option is checked now too, before a service starts.
  const givenBaseline =
    options.baseline === undefined
      ? undefined
      : readBaselineReport(workspaceRoot, options.baseline, { project: name, projectRoot: root, profile });
  if (options.baseline !== undefined && givenBaseline === undefined) {
    logger.warn(
      `perf ${name}: the baseline set ${baselineSet(options.baseline)} holds no "${profile}" report for ${name} (a perf target added since the baseline run?): ` +
        "no p95 regression check this run; this run's report can be the next baseline.",
    );
  }
  const engine: Engine | undefined = ENGINES[options.engine ?? 'node'];
  if (!engine) throw new Error(`Unknown engine "${options.engine}": use one of ${Object.keys(ENGINES).join(', ')}.`);
  const external = options.target ?? (scenario.service ? undefined : scenario.target);
  if (external) checkTarget(external, options.allowHosts ?? [], scenarioPath);
  // Artillery runs the file's own flows: their URLs and redirects are held to the allowed hosts too.
  if (options.engine === 'artillery')
    checkArtilleryFile(join(workspaceRoot, scenarioPath), scenarioPath, options.allowHosts ?? []);

  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'perf');
  const reports = join(workspaceRoot, reportsDirectory);
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  const htmlPath = join(reportsDirectory, PERF_REPORTS.html);
  const jsonPath = join(reportsDirectory, PERF_REPORTS.json);

  const unavailable = engine.unavailable?.(workspaceRoot);
  if (unavailable) return notRun(name, gates, reports, reportsDirectory, unavailable);

  let service: StartedService | undefined;
  const recorder = new Recorder(scenario.phases);
  const controller = new AbortController();
  const startedAt = new Date().toISOString();
  let outcome: EngineOutcome;
  let target: string;
  try {
    if (external) {
      target = external;
    } else {
      const spec = scenario.service as NonNullable<Scenario['service']>;
      logger.info(
        `perf ${name}: starting \`${spec.command.join(' ')}\` (log: ${join(reportsDirectory, PERF_REPORTS.serviceLog)})`,
      );
      service = await startService(spec, {
        projectRoot: join(workspaceRoot, root),
        pathPrepend: [join(workspaceRoot, options.venv ?? '.venv', 'bin')],
        logFile: join(reports, PERF_REPORTS.serviceLog),
      });
      target = service.url;
      logger.info(`perf ${name}: ready at ${target}${spec.readinessPath}`);
      if (spec.warmup && scenario.requests.length > 0)
        await warmUp(scenario, target, spec.warmup, reports, workspaceRoot, name);
      else if (spec.warmup)
        logger.info(
          `perf ${name}: no warm-up: the ${engine.name} engine runs the file's own flows, which only it understands`,
        );
    }
    logger.info(`perf ${name}: profile "${profile}" for ${plannedS}s with the ${engine.name} engine against ${target}`);
    // Every run is bounded: the planned length, then the request timeout and a margin to drain,
    // plus the time an external engine needs to start.
    const deadline = setTimeout(
      () => controller.abort(),
      (plannedS + scenario.timeoutS + DRAIN_MARGIN_S + (engine.overheadS ?? 0)) * 1000,
    );
    try {
      outcome = await engine.run({
        scenario: { ...scenario, target },
        phases: scenario.phases,
        record: (sample) => recorder.record(sample),
        signal: controller.signal,
        workDirectory: reports,
        workspaceRoot,
        allowHosts: options.allowHosts ?? [],
        log: (message) => logger.info(message),
      });
    } finally {
      clearTimeout(deadline);
    }
  } finally {
    await service?.stop();
  }

  if (!outcome.ran) return notRun(name, gates, reports, reportsDirectory, outcome.reason);
  if (controller.signal.aborted) {
    logger.warn(`perf ${name}: the run was cut off at its deadline; requests still in flight count as failed.`);
  }

  const summary = outcome.summary ?? recorder.summary();
  recorder.destroy();
  const baselineFile = join(root, gates.baseline.replace('{profile}', profile));
  const baseline = givenBaseline ?? readBaseline(workspaceRoot, baselineFile);
  if (baseline?.engine && baseline.engine !== outcome.engine) {
    logger.warn(
      `perf: the baseline ${baseline.path} was measured with the ${baseline.engine} engine, this run with ${outcome.engine}; compare with care.`,
    );
  }
  const gateResults = evaluatePerfGates(summary, gates, { project: name, report: htmlPath, baseline });
  const report: PerfReport = {
    version: 1,
    project: name,
    scenario: scenarioPath,
    profile,
    engine: { name: outcome.engine, version: outcome.version },
    target,
    startedAt,
    phasesPlan: scenario.phases,
    ...summary,
    gates: gateResults,
  };
  writeJsonReport(join(workspaceRoot, jsonPath), report);
  writeHtmlReport(join(workspaceRoot, htmlPath), report);
  writeGateResults(reports, gateResults);

  logger.info(summaryLine(report, htmlPath));
  for (const result of gateResults) (result.passed ? logger.info : logger.error)(formatGateLine(result));
  if (!baseline)
    logger.info(
      `perf ${name}: no baseline at ${baselineFile}, so no regression check; record one with --updateBaseline.`,
    );
  if (options.updateBaseline) {
    mkdirSync(dirname(join(workspaceRoot, baselineFile)), { recursive: true });
    copyFileSync(join(workspaceRoot, jsonPath), join(workspaceRoot, baselineFile));
    logger.info(`perf ${name}: stored this run as the baseline ${baselineFile}; commit it.`);
  }
  return { success: gateResults.every((result) => result.passed) };
}

/** An engine that could not run fails every gate with its reason: a gate that did not run never passes. */
function notRun(
  project: string,
  gates: ProjectGates['perf'],
  reports: string,
  reportsDirectory: string,
  reason: string,
): { success: false } {
  const thresholds: Array<[string, number]> = [
    ['perf-p95', gates.p95Ms],
    ['perf-p99', gates.p99Ms],
    ['perf-error-rate', gates.errorRate],
    ['perf-throughput', gates.minThroughputRps],
  ];
  const results: GateResult[] = thresholds.map(([gate, threshold]) => ({
    project,
    gate,
    measured: null,
    threshold,
    passed: false,
    report: join(reportsDirectory, GATE_RESULTS_FILE),
    reason,
  }));
  writeGateResults(reports, results);
  for (const result of results) logger.error(formatGateLine(result));
  return { success: false };
}

/** Sends the warm-up load with the built-in engine; it is not measured, only reported in one line. */
async function warmUp(
  scenario: Scenario,
  target: string,
  warmup: { durationS: number; arrivalRate: number },
  reports: string,
  workspaceRoot: string,
  project: string,
): Promise<void> {
  const phases: Phase[] = [
    { name: 'warm-up', durationS: warmup.durationS, arrivalRate: warmup.arrivalRate, rampTo: warmup.arrivalRate },
  ];
  const recorder = new Recorder(phases);
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), (warmup.durationS + scenario.timeoutS + DRAIN_MARGIN_S) * 1000);
  try {
    await nodeEngine.run({
      scenario: { ...scenario, target },
      phases,
      record: (sample) => recorder.record(sample),
      signal: controller.signal,
      workDirectory: reports,
      workspaceRoot,
      log: () => undefined,
    });
  } finally {
    clearTimeout(deadline);
  }
  const { totals } = recorder.summary();
  recorder.destroy();
  logger.info(
    `perf ${project}: warm-up sent ${totals.count} requests in ${warmup.durationS}s (p95 ${totals.p95Ms} ms, ${totals.errors} failed; not gated)`,
  );
}

type StoredBaseline = Baseline & { engine?: string };

/** The project's stored baseline (gates.json `baseline`), if there is one. */
function readBaseline(workspaceRoot: string, file: string): StoredBaseline | undefined {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) return undefined;
  const fix = 'Record it again with --updateBaseline.';
  const data = parseReport(path, file, fix);
  const p95 = data.totals?.p95Ms;
  if (typeof p95 !== 'number') {
    throw new Error(`The baseline ${file} has no totals.p95Ms: it is not a perf report. ${fix}`);
  }
  return { p95Ms: p95, path: relative(workspaceRoot, path), engine: data.engine?.name };
}

/**
 * The `baseline` option: the perf.json of an earlier run (in CI, the previous successful
 * nightly's), workspace-relative with {projectRoot}, {project} and {profile} filled in. Unlike
 * the stored baseline, it must exist: asking for a comparison that cannot happen is an error, not
 * a pass. One exception: a per-project pattern (`{projectRoot}` or `{project}` in it) whose set
 * folder exists but holds no report for this project returns undefined, because that is a project
 * the baseline run did not measure (a service generated since): it is compared from the next run
 * on, and the caller says so. A set folder that does not exist is still an error (a wrong path).
 */
export function readBaselineReport(
  workspaceRoot: string,
  pattern: string,
  run: { project: string; projectRoot: string; profile: string },
): StoredBaseline | undefined {
  const file = pattern
    .replaceAll('{projectRoot}', run.projectRoot)
    .replaceAll('{project}', run.project)
    .replaceAll('{profile}', run.profile);
  const path = resolve(workspaceRoot, file);
  const shown = relative(workspaceRoot, path);
  const given = `(--baseline=${pattern})`;
  if (!existsSync(path)) {
    const set = baselineSet(pattern);
    if (set !== undefined && existsSync(resolve(workspaceRoot, set))) return undefined;
    throw new Error(
      `The baseline report ${shown} ${given} does not exist. The path is relative to the workspace root, with {projectRoot}, {project} ` +
        `and {profile} filled in. If it is the previous run's report, that run did not measure ${run.project} with the "${run.profile}" ` +
        'profile (a new perf target?): run once without --baseline to produce one.',
    );
  }
  const fix = 'Pass the perf.json an earlier `nx perf` run wrote (reports/<projectRoot>/perf/perf.json).';
  const data = parseReport(path, `${shown} ${given}`, fix);
  const p95 = data.totals?.p95Ms;
  if (
    data.version !== 1 ||
    typeof data.project !== 'string' ||
    typeof data.profile !== 'string' ||
    typeof p95 !== 'number'
  ) {
    throw new Error(
      `The baseline ${shown} ${given} is not a perf report: it lacks version 1, project, profile or totals.p95Ms. ${fix}`,
    );
  }
  if (data.project !== run.project) {
    throw new Error(
      `The baseline ${shown} ${given} is the perf report of ${data.project}, not of ${run.project}. Use {projectRoot} or {project} in the path so each project gets its own.`,
    );
  }
  if (data.profile !== run.profile) {
    throw new Error(
      `The baseline ${shown} ${given} measured the "${data.profile}" profile and this run is "${run.profile}": their p95s are not comparable. ` +
        `Pass a report of the "${run.profile}" profile ({profile} in the path).`,
    );
  }
  return {
    p95Ms: p95,
    path: shown,
    engine: data.engine?.name,
    renew: 'compare against a newer report (--baseline), or run once without --baseline',
  };
}

/** The folder a per-project baseline pattern's reports live under: the part before `{projectRoot}` or `{project}`. */
export function baselineSet(pattern: string): string | undefined {
  const at = pattern.search(/\{project(Root)?\}/);
  if (at < 0) return undefined;
  const prefix = pattern.slice(0, at);
  const set = prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix);
  return set === '' || set === '.' ? undefined : set;
}

function parseReport(path: string, shown: string, fix: string): Partial<PerfReport> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `The baseline ${shown} is not valid JSON (${(error as Error).message}): it is not a perf report. ${fix}`,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`The baseline ${shown} is not a JSON object: it is not a perf report. ${fix}`);
  }
  return data as Partial<PerfReport>;
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, executorTools, findTool, runTool } from '@customercare/nx-core';
import { parse, stringify } from 'yaml';
import type { LatencyStats, PerfSummary, TimelinePoint } from '../recorder';
import { BASE_PROFILE, checkRequestUrl, ScenarioError, type Phase } from '../scenario';
import type { Engine, EngineRun } from './engine';

export const ARTILLERY_MISSING =
  'not run: artillery is not installed. It is not a default dependency; install it (npm install --no-save artillery, or set ARTILLERY to its path) to run seed-format Artillery scenarios, or use engine node or k6.';

/** The workspace's own Artillery (node_modules/.bin), else the resolver's ($ARTILLERY, .cache/bin, system folders), or undefined. */
export function findArtillery(): string | undefined {
  const tools = executorTools();
  const local = join(tools.workspaceRoot, 'node_modules', '.bin', 'artillery');
  return existsSync(local) ? local : findTool('artillery', tools)?.path;
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

type ArtilleryStep = Record<string, unknown>;
interface ArtilleryFile {
  service?: unknown;
  config: { target?: string };
  before?: { flow?: ArtilleryStep[] };
  after?: { flow?: ArtilleryStep[] };
  scenarios?: Array<{ name?: string; engine?: string; flow?: ArtilleryStep[] }>;
}

/**
 * The Artillery file as this adapter runs it: without our `service` block, with the target the
 * executor chose, and with every HTTP request held on the allowed hosts. Artillery follows
 * redirects unless a request says `followRedirect: false`, so each request gets it (a 3xx is then
 * an answer, not a hop to wherever its Location points); a request URL must be a path under the
 * target or an absolute URL on an allowed host (checkRequestUrl); a request that asks to follow
 * redirects, or a scenario of another engine (ws, socketio, playwright, ...) whose traffic this
 * cannot check, is refused. Artillery's processors (JavaScript hooks) are the file author's code
 * and are not policed here.
 */
export function artilleryScript(
  data: ArtilleryFile,
  target: string,
  allowedHosts: readonly string[],
  file: string,
): ArtilleryFile {
  const script = structuredClone(data);
  delete script.service;
  script.config.target = target;
  const walk = (steps: ArtilleryStep[] | undefined, where: string) => {
    (steps ?? []).forEach((step, index) => {
      const at = `${where}[${index}]`;
      for (const nested of ['loop', 'parallel']) {
        if (Array.isArray(step[nested])) walk(step[nested] as ArtilleryStep[], `${at}.${nested}`);
      }
      for (const method of HTTP_METHODS) {
        const request = step[method] as { url?: unknown; uri?: unknown; followRedirect?: unknown } | undefined;
        if (!request || typeof request !== 'object') continue;
        const url = request.url ?? request.uri;
        if (typeof url !== 'string') throw new ScenarioError(`${file}: ${at}.${method} has no url.`);
        checkRequestUrl(url, allowedHosts, `${file}: ${at}.${method}`);
        if (request.followRedirect === true) {
          throw new ScenarioError(
            `${file}: ${at}.${method} sets followRedirect: true. Perf runs never follow redirects (a Location can point anywhere): remove it and expect the 3xx instead.`,
          );
        }
        request.followRedirect = false;
      }
    });
  };
  walk(script.before?.flow, 'before.flow');
  walk(script.after?.flow, 'after.flow');
  (script.scenarios ?? []).forEach((scenario, index) => {
    const where = `scenarios[${index}]${scenario.name ? ` (${scenario.name})` : ''}`;
    if (scenario.engine !== undefined && scenario.engine !== 'http') {
      throw new ScenarioError(
        `${file}: ${where} uses Artillery's ${scenario.engine} engine; the perf target runs HTTP flows only, whose hosts and redirects it can hold to the allowed hosts.`,
      );
    }
    walk(scenario.flow, `${where}.flow`);
  });
  return script;
}

/** Checks an Artillery file the way the engine will run it, before any service starts. */
export function checkArtilleryFile(path: string, file: string, allowedHosts: readonly string[]): void {
  artilleryScript(parse(readFileSync(path, 'utf8')) as ArtilleryFile, 'http://127.0.0.1', allowedHosts, file);
}

/** The parts of Artillery's JSON report (`artillery run --output`) that the gates and charts use. */
interface ArtilleryMetrics {
  counters?: Record<string, number>;
  summaries?: Record<
    string,
    {
      min: number;
      max: number;
      count: number;
      mean: number;
      p50?: number;
      median?: number;
      p75?: number;
      p90: number;
      p95: number;
      p99: number;
      p999: number;
    }
  >;
  period?: number | string;
  firstMetricAt?: number;
}
export interface ArtilleryReport {
  aggregate: ArtilleryMetrics;
  intermediate?: ArtilleryMetrics[];
}

const RESPONSE_TIME = 'http.response_time';
const BY_ENDPOINT = 'plugins.metrics-by-endpoint.response_time.';

function counts(metrics: ArtilleryMetrics): {
  total: number;
  errors: number;
  statuses: Record<string, number>;
  errorKinds: Record<string, number>;
} {
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  let total = 0;
  let errors = 0;
  for (const [name, value] of Object.entries(metrics.counters ?? {})) {
    const code = /^http\.codes\.(\d{3})$/.exec(name);
    if (code) {
      statuses[code[1]] = value;
      total += value;
      // A seed-format scenario states no expected statuses: anything from 400 up is a failure.
      if (Number(code[1]) >= 400) {
        errors += value;
        errorKinds[`HTTP ${code[1]}`] = value;
      }
    } else if (name.startsWith('errors.')) {
      total += value;
      errors += value;
      errorKinds[name.slice('errors.'.length)] = value;
      statuses.none = (statuses.none ?? 0) + value;
    }
  }
  return { total, errors, statuses, errorKinds };
}

function stats(metrics: ArtilleryMetrics, summaryKey: string, windowS: number): LatencyStats {
  const { total, errors, statuses, errorKinds } = counts(metrics);
  const s = metrics.summaries?.[summaryKey];
  return {
    count: total,
    errors,
    errorRate: total === 0 ? 0 : errors / total,
    throughputRps: windowS > 0 ? Math.round(((total - errors) / windowS) * 100) / 100 : 0,
    p50Ms: s?.p50 ?? s?.median ?? 0,
    p90Ms: s?.p90 ?? 0,
    p95Ms: s?.p95 ?? 0,
    p99Ms: s?.p99 ?? 0,
    maxMs: s?.max ?? 0,
    meanMs: s?.mean ?? 0,
    statuses,
    errorKinds,
  };
}

/**
 * Artillery's report as a PerfSummary. Artillery keeps its own histograms and reports them in 10 s
 * windows, so the timeline has one point per window and there are no per-phase statistics; the
 * totals are Artillery's own percentiles over the whole run.
 */
export function artillerySummary(report: ArtilleryReport, phases: readonly Phase[]): PerfSummary {
  const activeS = phases.filter((p) => p.arrivalRate > 0 || p.rampTo > 0).reduce((s, p) => s + p.durationS, 0);
  const offered = phases.reduce((s, p) => s + ((p.arrivalRate + p.rampTo) / 2) * p.durationS, 0);
  const totals = stats(report.aggregate, RESPONSE_TIME, activeS);
  const windows = report.intermediate ?? [];
  const start = Math.min(...windows.map((w) => Number(w.period ?? w.firstMetricAt ?? 0)));
  const timeline: TimelinePoint[] = windows.map((window) => {
    const s = stats(window, RESPONSE_TIME, 10);
    return {
      second: Math.round((Number(window.period ?? window.firstMetricAt ?? start) - start) / 1000),
      count: s.count,
      errors: s.errors,
      p50Ms: s.p50Ms,
      p95Ms: s.p95Ms,
      p99Ms: s.p99Ms,
      maxMs: s.maxMs,
    };
  });
  const endpoints = Object.keys(report.aggregate.summaries ?? {}).filter((key) => key.startsWith(BY_ENDPOINT));
  const rt = report.aggregate.summaries?.[RESPONSE_TIME];
  // Phases schedule virtual users; a flow may send several requests. The offered request rate is
  // the arrival rate times the requests each user sent.
  const users = report.aggregate.counters?.['vusers.created'] ?? 0;
  const perUser = users > 0 ? (report.aggregate.counters?.['http.requests'] ?? users) / users : 1;
  return {
    durationS: phases.reduce((s, p) => s + p.durationS, 0),
    offeredRps: activeS > 0 ? Math.round(((offered * perUser) / activeS) * 100) / 100 : 0,
    totals,
    phases: [],
    requests:
      endpoints.length > 0
        ? endpoints.map((key) => {
            const s = report.aggregate.summaries?.[key];
            return {
              name: key.slice(BY_ENDPOINT.length),
              ...totals,
              count: s?.count ?? 0,
              errors: 0,
              errorRate: 0,
              p50Ms: s?.p50 ?? s?.median ?? 0,
              p90Ms: s?.p90 ?? 0,
              p95Ms: s?.p95 ?? 0,
              p99Ms: s?.p99 ?? 0,
              maxMs: s?.max ?? 0,
              meanMs: s?.mean ?? 0,
              statuses: {},
              errorKinds: {},
            };
          })
        : [{ name: 'all', ...totals }],
    timeline,
    distribution: rt
      ? [
          { percentile: 0, valueMs: rt.min },
          { percentile: 50, valueMs: rt.p50 ?? rt.median ?? 0 },
          { percentile: 75, valueMs: rt.p75 ?? 0 },
          { percentile: 90, valueMs: rt.p90 },
          { percentile: 95, valueMs: rt.p95 },
          { percentile: 99, valueMs: rt.p99 },
          { percentile: 99.9, valueMs: rt.p999 },
          { percentile: 100, valueMs: rt.max },
        ]
      : [],
  };
}

/**
 * Runs a seed-format Artillery scenario as it is (its own flows, plugins and expectations), against
 * the target the executor chose, and gates Artillery's own numbers. Not a default dependency:
 * without Artillery the run is reported as not run, never as passed.
 */
export const artilleryEngine: Engine = {
  name: 'artillery',
  // Artillery loads its plugins and engines before the first phase: many seconds on a busy machine.
  overheadS: 60,
  unavailable: () => (findArtillery() ? undefined : ARTILLERY_MISSING),
  async run({ scenario, phases, signal, workDirectory, workspaceRoot, allowHosts, log }: EngineRun) {
    const artillery = findArtillery();
    if (!artillery) return { ran: false as const, engine: 'artillery', reason: ARTILLERY_MISSING };
    const env = { ARTILLERY_DISABLE_TELEMETRY: 'true' };
    const fix = 'Run `npm run doctor` to check it.';
    const probe = await capture(
      { label: 'artillery version', command: artillery, args: ['version'], cwd: '', env },
      fix,
    );
    const version = probe.stdout.match(/\d+\.\d+\.\d+\S*/)?.[0] ?? 'unknown';
    // The file as written, minus our `service` block (not Artillery's), with the started service's URL and no redirects.
    const data = parse(readFileSync(join(workspaceRoot, scenario.file), 'utf8')) as ArtilleryFile;
    const script = join(workDirectory, 'artillery-scenario.yml');
    const output = join(workDirectory, 'artillery-report.json');
    writeFileSync(script, stringify(artilleryScript(data, scenario.target, allowHosts ?? [], scenario.file)));
    const args = [
      'run',
      '--output',
      output,
      ...(scenario.profile === BASE_PROFILE ? [] : ['--environment', scenario.profile]),
      script,
    ];
    log(`> artillery: ${artillery} ${args.join(' ')}`);
    const { exitCode } = await runTool(
      { label: 'artillery', command: artillery, args, cwd: '', env },
      { fix, signal, abortWith: 'SIGINT' },
    );
    if (!existsSync(output))
      throw new Error(`artillery exited with ${exitCode} and wrote no report (${output}); see its output above.`);
    const summary = artillerySummary(JSON.parse(readFileSync(output, 'utf8')) as ArtilleryReport, phases);
    return { ran: true as const, engine: 'artillery', version: `artillery ${version}`, summary };
  },
};

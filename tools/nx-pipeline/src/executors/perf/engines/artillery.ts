import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executorTools, findTool } from '../../../tools/resolve';
import { parse, stringify } from 'yaml';
import type { LatencyStats, PerfSummary, TimelinePoint } from '../recorder';
import { BASE_PROFILE, type Phase } from '../scenario';
import type { Engine, EngineRun } from './engine';

export const ARTILLERY_MISSING =
  'not run: artillery is not installed. It is not a default dependency; install it (npm install --no-save artillery, or set ARTILLERY to its path) to run seed-format Artillery scenarios, or use engine node or k6.';

/** The workspace's own Artillery (node_modules/.bin), else the resolver's ($ARTILLERY, .cache/bin, system folders), or undefined. */
export function findArtillery(): string | undefined {
  const tools = executorTools();
  const local = join(tools.workspaceRoot, 'node_modules', '.bin', 'artillery');
  return existsSync(local) ? local : findTool('artillery', tools)?.path;
}

/** The parts of Artillery's JSON report (`artillery run --output`) that the gates and charts use. */
interface ArtilleryMetrics {
  counters?: Record<string, number>;
  summaries?: Record<string, { min: number; max: number; count: number; mean: number; p50?: number; median?: number; p75?: number; p90: number; p95: number; p99: number; p999: number }>;
  period?: number | string;
  firstMetricAt?: number;
}
export interface ArtilleryReport {
  aggregate: ArtilleryMetrics;
  intermediate?: ArtilleryMetrics[];
}

const RESPONSE_TIME = 'http.response_time';
const BY_ENDPOINT = 'plugins.metrics-by-endpoint.response_time.';

function counts(metrics: ArtilleryMetrics): { total: number; errors: number; statuses: Record<string, number>; errorKinds: Record<string, number> } {
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
    return { second: Math.round((Number(window.period ?? window.firstMetricAt ?? start) - start) / 1000), count: s.count, errors: s.errors, p50Ms: s.p50Ms, p95Ms: s.p95Ms, p99Ms: s.p99Ms, maxMs: s.maxMs };
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
            return { name: key.slice(BY_ENDPOINT.length), ...totals, count: s?.count ?? 0, errors: 0, errorRate: 0, p50Ms: s?.p50 ?? s?.median ?? 0, p90Ms: s?.p90 ?? 0, p95Ms: s?.p95 ?? 0, p99Ms: s?.p99 ?? 0, maxMs: s?.max ?? 0, meanMs: s?.mean ?? 0, statuses: {}, errorKinds: {} };
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
  async run({ scenario, phases, signal, workDirectory, workspaceRoot, log }: EngineRun) {
    const artillery = findArtillery();
    if (!artillery) return { ran: false as const, engine: 'artillery', reason: ARTILLERY_MISSING };
    const version = spawnSync(artillery, ['version'], { encoding: 'utf8' }).stdout.match(/\d+\.\d+\.\d+\S*/)?.[0] ?? 'unknown';
    // The file as written, minus our `service` block (not Artillery's), with the started service's URL.
    const data = parse(readFileSync(join(workspaceRoot, scenario.file), 'utf8')) as { service?: unknown; config: { target?: string } };
    delete data.service;
    data.config.target = scenario.target;
    const script = join(workDirectory, 'artillery-scenario.yml');
    const output = join(workDirectory, 'artillery-report.json');
    writeFileSync(script, stringify(data));
    const args = ['run', '--output', output, ...(scenario.profile === BASE_PROFILE ? [] : ['--environment', scenario.profile]), script];
    log(`> artillery: ${artillery} ${args.join(' ')}`);
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(artillery, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' } });
      const onAbort = () => child.kill('SIGINT');
      signal.addEventListener('abort', onAbort, { once: true });
      child.once('error', (error) => reject(new Error(`Unable to run artillery (${artillery}): ${error.message}.`)));
      child.once('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        resolve(code ?? 1);
      });
    });
    if (!existsSync(output)) throw new Error(`artillery exited with ${exitCode} and wrote no report (${output}); see its output above.`);
    const summary = artillerySummary(JSON.parse(readFileSync(output, 'utf8')) as ArtilleryReport, phases);
    return { ran: true as const, engine: 'artillery', version: `artillery ${version}`, summary };
  },
};

import { parse } from 'yaml';
import { releaseLabels, renderRules, RULES } from '@customercare/nx-monitoring/lib';
import type { AnalysisConfig, EnvironmentConfig } from './config';
import type { CommandRunner } from './providers/cli';
import type { MetricsTarget } from './providers/provider';
import type { DeploySlo } from './slo';

export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

export interface ReleaseMeasurement {
  /** Requests the release answered in the window (the sample count). */
  requests: number | null;
  errors: number | null;
  errorRatio: number | null;
  p95Ms: number | null;
}

export interface Verdict {
  status: VerdictStatus;
  windowSeconds: number;
  candidate: ReleaseMeasurement;
  /** The stable release over the same window, for comparison in the report (it does not gate). */
  stable?: ReleaseMeasurement;
  thresholds: { errorRate: number; p95Ms: number; minSamples: number };
  reasons: string[];
  queries: string[];
}

/** Fetches one instant query; null when Prometheus has no series or the value is NaN (no data, not zero). */
export type PromQuery = (prometheus: string, expr: string) => Promise<number | null>;

/**
 * The query URL under a base that may have a path (Google Managed Prometheus' is
 * /v1/projects/<p>/location/global/prometheus); `at` (Unix seconds) evaluates at that instant, else now.
 */
export function queryUrl(prometheus: string, expr: string, at?: number): URL {
  const url = new URL(`${prometheus.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', expr);
  if (at !== undefined) url.searchParams.set('time', String(at));
  return url;
}

/**
 * A PromQuery that sends the headers `headers()` gives (asked before every query, so a token can be
 * refreshed); with `at`, every query is evaluated at that instant (two forms of a query compared on the same data).
 */
export function createPromQuery(
  headers: () => Promise<Record<string, string>> = async () => ({}),
  at?: number,
): PromQuery {
  return async (prometheus, expr) => {
    const response = await fetch(queryUrl(prometheus, expr, at), {
      headers: await headers(),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    let body: {
      status?: string;
      error?: string | { message?: string };
      data?: { resultType: string; result: Array<{ value: [number, string] }> };
    };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`HTTP ${response.status} with a body that is not JSON: ${text.trim().slice(0, 200)}`);
    }
    if (!response.ok || body.status !== 'success') {
      const said = typeof body.error === 'string' ? body.error : (body.error?.message ?? text.trim().slice(0, 200));
      throw new Error(`Prometheus rejected ${expr} (HTTP ${response.status}): ${said}`);
    }
    const first = body.data?.result[0];
    if (!first) return null;
    const value = Number(first.value[1]);
    return Number.isFinite(value) ? value : null;
  };
}

export const queryPrometheus: PromQuery = createPromQuery();

/** Google's access tokens live an hour; one is reused for ten minutes, so a long canary never sends an expired one. */
const TOKEN_REUSE_MS = 10 * 60_000;

/**
 * The analysis' query for an environment: with `analysis.auth: gcloud`, every query carries an
 * OAuth bearer token from `gcloud auth print-access-token` (the identity that
 * google-github-actions/auth set up through workload identity federation), as Google Managed
 * Prometheus' PromQL API requires.
 */
export function prometheusQueryFor(
  env: Pick<EnvironmentConfig, 'name' | 'analysis'>,
  run: CommandRunner,
  now: () => number = Date.now,
): PromQuery {
  if (env.analysis.auth !== 'gcloud') return queryPrometheus;
  let token: { value: string; at: number } | undefined;
  return createPromQuery(async () => {
    if (!token || now() - token.at > TOKEN_REUSE_MS) {
      const result = await run(['gcloud', 'auth', 'print-access-token', '--quiet']);
      const value = result.stdout.trim();
      if (result.exitCode !== 0 || !value) {
        throw new Error(
          `gcloud auth print-access-token failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-2).join(' ').replace(/\.$/, '')}. ` +
            `environments.${env.name}.analysis.auth is gcloud: authenticate first (in CI, google-github-actions/auth with workload identity federation; by hand, gcloud auth login).`,
        );
      }
      token = { value, at: now() };
    }
    return { Authorization: `Bearer ${token.value}` };
  });
}

/** Label names of a PromQL selector (`release="v3",slot="green"` -> release, slot); quoted values are skipped. */
function selectorLabelNames(selector: string): string[] {
  return [...selector.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!=|!~|=)\s*"(?:[^"\\]|\\.)*"/g)].map((m) => m[1]);
}

/**
 * Each recording rule's expr in the rule file rendered from the SLO with the environment's release
 * window: the text the monitoring target ships and the local provider loads (renderRules), parsed
 * back, so an inlined query is exactly what a rule evaluator would record.
 */
export function renderedRuleExprs(slo: DeploySlo): Map<string, string> {
  const file = parse(renderRules(slo.spec, slo.file, { releaseWindow: slo.window })) as {
    groups: Array<{ rules: Array<{ record?: string; expr: string }> }>;
  };
  return new Map(file.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [[r.record, r.expr] as const] : []))));
}

/**
 * A rule's expr with `matchers` added to every range selector (`m{job="backend"}[1m]` ->
 * `m{job="backend",release="v3"}[1m]`). The release-level rules aggregate `by` the release labels,
 * so selecting a release before the sum gives the series that selecting it after would. An expr
 * with a selector outside a range (where the release would not be selected) is refused.
 */
export function withMatchers(expr: string, matchers: string, record: string): string {
  let selected = 0;
  const inlined = expr
    // m{a="b"}[1m] -> m{a="b",<matchers>}[1m]; m{}[1m] -> m{<matchers>}[1m] (no matcher starts with a comma).
    .replace(/\}\[/g, () => ((selected += 1), `,${matchers}}[`))
    .replace(/\{,/g, '{')
    // m[1m] -> m{<matchers>}[1m]
    .replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)\[/g, (_all, name: string) => ((selected += 1), `${name}{${matchers}}[`));
  const braces = (expr.match(/\{/g) ?? []).length;
  const bracedRanges = (expr.match(/\}\[/g) ?? []).length;
  if (selected === 0 || braces !== bracedRanges) {
    throw new Error(
      `the recording rule ${record} (${expr}) has a selector outside a range, so the canary cannot select one release in it when it inlines the rule (analysis.rules: inline). Keep the release-level rules to sum by (...) (rate(<metric>{...}[<window>])).`,
    );
  }
  return inlined;
}

/**
 * The PromQL the analysis runs for one release; pure, so the report and tests can show it. It reads
 * only the release-level recording rules that the monitoring plugin generates from the service's
 * slo.yml (the same rule file as the alerts), never PromQL of its own over raw series: each rule
 * is a rate per release over a short window (`slo.window`: 1m, or five scrapes in the local
 * provider's Prometheus), and a step is judged over its own window by averaging that rate over the
 * step (`avg_over_time(...[<step>s])`, times the step's seconds for counts). The first rule window
 * of a fresh candidate ramps up, so counts lag its traffic by about half a rule window.
 *
 * Where the endpoint evaluates no rules (`analysis.rules: inline`: Google Managed Prometheus'
 * PromQL API), each rule's expr from the rendered rule file takes the recorded name's place, with
 * the release selected inside it, as a subquery at `analysis.inlineStep`, the stand-in for the
 * rules' evaluation interval: `avg_over_time((<expr>)[<step>s:<inlineStep>])`.
 */
export function analysisQueries(
  target: MetricsTarget,
  slo: DeploySlo,
  windowSeconds: number,
  evaluation: Pick<AnalysisConfig, 'rules' | 'inlineStepMs'> = { rules: 'evaluated', inlineStepMs: 0 },
) {
  const kept = releaseLabels(slo.spec);
  const missing = selectorLabelNames(target.appSelector).filter((label) => !kept.includes(label));
  if (missing.length > 0) {
    throw new Error(
      `the canary selects a release by ${missing.join(', ')}, which the release-level recording rules of ${slo.spec.service} do not keep (releases.labels: ${kept.join(', ')}). Add ${missing.join(', ')} to releases.labels in ${slo.file}.`,
    );
  }
  const w = `[${windowSeconds}s]`;
  let series = (record: string) => `${record}{service="${slo.spec.service}",${target.appSelector}}${w}`;
  if (evaluation.rules === 'inline') {
    const exprs = renderedRuleExprs(slo);
    const step = `${Math.max(1, Math.round(evaluation.inlineStepMs / 1000))}s`;
    series = (record) => {
      const expr = exprs.get(record);
      if (expr === undefined) throw new Error(`the rule file rendered from ${slo.file} records no ${record}`);
      return `(${withMatchers(expr, target.appSelector, record)})[${windowSeconds}s:${step}]`;
    };
  }
  const count = (record: string) => `sum(avg_over_time(${series(record)})) * ${windowSeconds}`;
  return {
    requests: count(RULES.releaseRequestRate(slo.window)),
    errors: count(RULES.releaseErrorRate(slo.window)),
    p95: `histogram_quantile(0.95, sum by (le) (avg_over_time(${series(RULES.releaseLatencyBuckets(slo.window))})))`,
  };
}

async function measure(
  query: PromQuery,
  target: MetricsTarget,
  slo: DeploySlo,
  windowSeconds: number,
  config: Pick<AnalysisConfig, 'rules' | 'inlineStepMs'>,
) {
  const q = analysisQueries(target, slo, windowSeconds, config);
  const [requests, errors, p95] = await Promise.all([
    query(target.prometheus, q.requests),
    query(target.prometheus, q.errors),
    query(target.prometheus, q.p95),
  ]);
  const measured: ReleaseMeasurement = {
    requests: requests === null ? null : Math.round(requests),
    // A release with requests and no error series has had no errors; without requests there is no ratio.
    errors: requests === null ? null : Math.round(errors ?? 0),
    errorRatio: requests ? (errors ?? 0) / requests : null,
    p95Ms: p95 === null ? null : p95 * 1000,
  };
  return { measured, queries: Object.values(q) };
}

/**
 * Judges the candidate over the window against the thresholds. Missing data or too few samples is
 * "inconclusive", which the state machine treats like a failure at the end of a step: Argo
 * Rollouts and Flagger have both shipped releases because an empty query counted as a pass.
 */
export async function analyse(
  query: PromQuery,
  candidate: MetricsTarget,
  stable: MetricsTarget | undefined,
  slo: DeploySlo,
  config: AnalysisConfig,
  windowSeconds: number,
): Promise<Verdict> {
  const thresholds = { errorRate: config.errorRate, p95Ms: config.p95Ms, minSamples: config.minSamples };
  const c = await measure(query, candidate, slo, windowSeconds, config);
  const s = stable ? (await measure(query, stable, slo, windowSeconds, config)).measured : undefined;
  const reasons: string[] = [];
  let status: VerdictStatus = 'pass';
  const m = c.measured;
  if (m.requests === null || m.requests < config.minSamples) {
    status = 'inconclusive';
    reasons.push(
      `only ${m.requests ?? 0} requests reached the candidate in ${windowSeconds}s; at least ${config.minSamples} are needed to judge it`,
    );
  } else {
    if (m.errorRatio !== null && m.errorRatio > config.errorRate) {
      status = 'fail';
      reasons.push(
        `error ratio ${(m.errorRatio * 100).toFixed(2)}% (${m.errors}/${m.requests}) is above ${(config.errorRate * 100).toFixed(2)}%`,
      );
    }
    if (m.p95Ms === null) {
      // Already failing on errors: a missing histogram (often just not scraped yet) adds nothing.
      if (status === 'pass') {
        status = 'inconclusive';
        reasons.push(
          `no latency histogram for the candidate (${candidate.appSelector}); check metrics.latencyBucket in ${slo.file}`,
        );
      }
    } else if (m.p95Ms > config.p95Ms) {
      status = 'fail';
      reasons.push(`p95 latency ${m.p95Ms.toFixed(1)} ms is above ${config.p95Ms} ms`);
    }
  }
  return { status, windowSeconds, candidate: m, stable: s, thresholds, reasons, queries: c.queries };
}

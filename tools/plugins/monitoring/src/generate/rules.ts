import type { Severity, SloFile } from '../slo/types';

/** One Prometheus rule (a recording rule when `record` is set, an alert otherwise). */
export interface PromRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: PromRule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

/** The windows the multiwindow, multi-burn-rate alerts read (SRE workbook, chapter 5, table 5-8). */
export const BURN_RATE_ALERTS = [
  { alert: 'ErrorBudgetBurnFast', long: '1h', short: '5m', factor: 14.4, severity: 'critical' as Severity },
  { alert: 'ErrorBudgetBurnSlow', long: '6h', short: '30m', factor: 6, severity: 'ticket' as Severity },
];
const RATE_WINDOWS = ['5m', '30m', '1h', '6h'];

/**
 * The default rate window of the release-level rules the deploy canary analysis reads: two scrapes
 * at a 30 s scrape interval, short against canary steps of minutes. A Prometheus that scrapes
 * faster for short steps (the local deploy provider: every second, steps of seconds) generates
 * them with its own window (`generateRules(slo, { releaseWindow })`); the rule names say which.
 */
export const RELEASE_RATE_WINDOW = '1m';

export interface RuleOptions {
  /** The rate window of the release-level rules (default RELEASE_RATE_WINDOW). */
  releaseWindow?: string;
}

/** The recording rule names every consumer (alerts, dashboard, canary analysis) reads. */
export const RULES = {
  requestRate: (window: string) => `service:http_requests:rate${window}`,
  errorRatio: (window: string) => `service:http_request_errors:ratio_rate${window}`,
  burnRate: (window: string) => `service:slo_error_budget:burn_rate${window}`,
  budgetRemaining: 'service:slo_error_budget:remaining_ratio',
  latency: (percentile: number) => `service:http_request_duration_seconds:${percentileName(percentile)}_5m`,
  answerLatency: 'service:answer_duration_seconds:p95_5m',
  providerErrors: 'service:answer_provider_errors:rate5m',
  retrievalHitsMean: 'service:retrieval_hits:mean_5m',
  retrievalZeroHits: 'service:retrieval_zero_hits:ratio_rate5m',
  processCpu: 'service:process_cpu_seconds:rate5m',
  processMemory: 'service:process_resident_memory_bytes:sum',
  dbPoolCheckedOut: 'service:db_pool_checked_out:sum',
  dbPoolSize: 'service:db_pool_size:sum',
  dbPoolUtilisation: 'service:db_pool_utilisation:ratio',
  dbPoolWait: 'service:db_pool_wait_seconds:p95_5m',
  probeSuccess: 'service:probe_success:min',
  /** Per release (the labels of `releases.labels`), over a short window: what the canary analysis reads. */
  releaseRequestRate: (window: string) => `release:http_requests:rate${window}`,
  releaseErrorRate: (window: string) => `release:http_request_errors:rate${window}`,
  releaseLatencyBuckets: (window: string) => `release:http_request_duration_seconds_bucket:rate${window}`,
} as const;

/** The labels that tell the service's releases apart (slo.yml `releases.labels`, default [release]). */
export function releaseLabels(slo: SloFile): string[] {
  return slo.releases?.labels ?? ['release'];
}

/**
 * The selector's matchers as target labels ({ job: 'backend' } for `job="backend"`): what a scrape
 * config must attach so that the generated rules select its series. Only `name="value"` matchers
 * can be attached; anything else is refused with the fix.
 */
export function selectorLabels(slo: SloFile): Record<string, string> {
  const labels: Record<string, string> = {};
  const matcher = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let match: RegExpExecArray | null;
  while (matcher.lastIndex < slo.selector.length && (match = matcher.exec(slo.selector))) {
    if (match[2] !== '=') {
      throw new Error(
        `selector ${slo.selector} of service ${slo.service} uses ${match[1]}${match[2]}"…": a scrape target can only be given name="value" labels. Use equality matchers only (e.g. job="${slo.service}").`,
      );
    }
    labels[match[1]] = match[3];
  }
  if (matcher.lastIndex !== slo.selector.length || Object.keys(labels).length === 0) {
    throw new Error(
      `selector ${slo.selector} of service ${slo.service} is not a list of name="value" matchers (e.g. job="${slo.service}").`,
    );
  }
  return labels;
}

/** 95 -> p95, 99.9 -> p99_9. */
export function percentileName(percentile: number): string {
  return `p${String(percentile).replace('.', '_')}`;
}

/** A number as PromQL text, without binary floating-point noise (14.4 * 0.001 is 0.0144). */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** The share of the error budget: 99.9 -> 0.001. */
export function errorBudget(slo: SloFile): number {
  return Number((1 - slo.objectives.availability.target / 100).toPrecision(12));
}

/** `name{service="backend"}`: how alerts and panels select one service's recorded series. */
export function ruleQuery(slo: SloFile, record: string): string {
  return `${record}{service="${slo.service}"}`;
}

function recording(slo: SloFile, options: RuleOptions): PromRule[] {
  const m = slo.metrics;
  const sel = (extra?: string) => `{${[slo.selector, extra].filter(Boolean).join(',')}}`;
  const labels = { service: slo.service };
  const rule = (record: string, expr: string): PromRule => ({ record, expr, labels });
  const rules: PromRule[] = [];
  for (const w of RATE_WINDOWS) {
    rules.push(rule(RULES.requestRate(w), `sum(rate(${m.requests}${sel()}[${w}]))`));
    rules.push(
      rule(
        RULES.errorRatio(w),
        // `or vector(0)`: no 5xx at all is a ratio of 0, not "no data" (the budget panels stay drawn).
        `(sum(rate(${m.requests}${sel(`${m.statusLabel}=~"5.."`)}[${w}])) or vector(0)) / sum(rate(${m.requests}${sel()}[${w}]))`,
      ),
    );
  }
  // Per release, over a short window: the deploy canary analysis averages these over each step.
  const by = releaseLabels(slo).join(', ');
  const rw = options.releaseWindow ?? RELEASE_RATE_WINDOW;
  rules.push(rule(RULES.releaseRequestRate(rw), `sum by (${by}) (rate(${m.requests}${sel()}[${rw}]))`));
  rules.push(
    rule(RULES.releaseErrorRate(rw), `sum by (${by}) (rate(${m.requests}${sel(`${m.statusLabel}=~"5.."`)}[${rw}]))`),
  );
  rules.push(rule(RULES.releaseLatencyBuckets(rw), `sum by (le, ${by}) (rate(${m.latencyBucket}${sel()}[${rw}]))`));
  const window = slo.objectives.availability.window;
  rules.push(rule(RULES.errorRatio(window), `avg_over_time(${ruleQuery(slo, RULES.errorRatio('5m'))}[${window}])`));
  for (const w of ['1h', '6h']) {
    rules.push(rule(RULES.burnRate(w), `${ruleQuery(slo, RULES.errorRatio(w))} / ${num(errorBudget(slo))}`));
  }
  rules.push(rule(RULES.budgetRemaining, `1 - ${ruleQuery(slo, RULES.errorRatio(window))} / ${num(errorBudget(slo))}`));
  const percentiles = [...new Set([50, slo.objectives.latency.percentile, slo.alerts.latency.percentile, 99])];
  for (const p of percentiles.sort((a, b) => a - b)) {
    rules.push(
      rule(RULES.latency(p), `histogram_quantile(${num(p / 100)}, sum by (le) (rate(${m.latencyBucket}${sel()}[5m])))`),
    );
  }
  if (m.answerLatencyBucket) {
    rules.push(
      rule(
        RULES.answerLatency,
        `histogram_quantile(0.95, sum by (le, provider) (rate(${m.answerLatencyBucket}${sel()}[5m])))`,
      ),
    );
  }
  if (m.providerErrors) {
    rules.push(rule(RULES.providerErrors, `sum by (provider, kind) (rate(${m.providerErrors}${sel()}[5m]))`));
  }
  if (m.retrievalHits) {
    const h = m.retrievalHits;
    rules.push(rule(RULES.retrievalHitsMean, `sum(rate(${h}_sum${sel()}[5m])) / sum(rate(${h}_count${sel()}[5m]))`));
    rules.push(
      rule(
        RULES.retrievalZeroHits,
        `sum(rate(${h}_bucket${sel('le=~"0(\\\\.0)?"')}[5m])) / sum(rate(${h}_count${sel()}[5m]))`,
      ),
    );
  }
  if (m.processCpu) rules.push(rule(RULES.processCpu, `sum(rate(${m.processCpu}${sel()}[5m]))`));
  if (m.processMemory) rules.push(rule(RULES.processMemory, `sum(${m.processMemory}${sel()})`));
  if (m.dbPoolCheckedOut) rules.push(rule(RULES.dbPoolCheckedOut, `sum(${m.dbPoolCheckedOut}${sel()})`));
  if (m.dbPoolSize) rules.push(rule(RULES.dbPoolSize, `sum(${m.dbPoolSize}${sel()})`));
  if (m.dbPoolCheckedOut && m.dbPoolSize) {
    rules.push(
      rule(RULES.dbPoolUtilisation, `${ruleQuery(slo, RULES.dbPoolCheckedOut)} / ${ruleQuery(slo, RULES.dbPoolSize)}`),
    );
  }
  if (m.dbPoolWaitBucket) {
    rules.push(
      rule(RULES.dbPoolWait, `histogram_quantile(0.95, sum by (le) (rate(${m.dbPoolWaitBucket}${sel()}[5m])))`),
    );
  }
  rules.push(rule(RULES.probeSuccess, `min(probe_success{job="${slo.health.probeJob}"})`));
  return rules;
}

function runbook(slo: SloFile, alert: string): Record<string, string> {
  return slo.runbook ? { runbook_url: `${slo.runbook}#${alert.toLowerCase()}` } : {};
}

function alerts(slo: SloFile): { slo: PromRule[]; guide: PromRule[] } {
  const q = (record: string) => ruleQuery(slo, record);
  const service = slo.service;
  const budget = errorBudget(slo);
  const objective = `${slo.objectives.availability.target}%`;
  const burn = BURN_RATE_ALERTS.map(({ alert, long, short, factor, severity }) => ({
    alert,
    expr: `${q(RULES.errorRatio(long))} > ${num(factor * budget)} and ${q(RULES.errorRatio(short))} > ${num(factor * budget)}`,
    labels: { service, severity, slo: 'availability', window: long },
    annotations: {
      summary: `${service} is burning its ${objective} availability error budget ${factor}x too fast over ${long} and ${short}`,
      description: `{{ $value | humanizePercentage }} of ${service}'s requests failed over the last ${long} (and over ${short}); the budget is ${num(budget * 100)}% over ${slo.objectives.availability.window}.`,
      ...runbook(slo, alert),
    },
  }));
  const { errorRate, latency, healthCheck } = slo.alerts;
  const guide: PromRule[] = [
    {
      alert: 'HighErrorRate',
      expr: `${q(RULES.errorRatio('5m'))} > ${num(errorRate.abovePercent / 100)}`,
      for: errorRate.for,
      labels: { service, severity: errorRate.severity },
      annotations: {
        summary: `${service}: {{ $value | humanizePercentage }} of requests failed over 5m (threshold ${errorRate.abovePercent}%)`,
        description: `More than ${errorRate.abovePercent}% of ${service}'s HTTP requests answered 5xx for ${errorRate.for}.`,
        ...runbook(slo, 'HighErrorRate'),
      },
    },
    {
      alert: 'HighLatency',
      expr: `${q(RULES.latency(latency.percentile))} > ${num(latency.aboveMs / 1000)}`,
      for: latency.for,
      labels: { service, severity: latency.severity },
      annotations: {
        summary: `${service}: p${latency.percentile} latency is {{ $value | humanizeDuration }} (threshold ${latency.aboveMs} ms)`,
        description: `${service}'s p${latency.percentile} HTTP latency over 5m stayed above ${latency.aboveMs} ms for ${latency.for}.`,
        ...runbook(slo, 'HighLatency'),
      },
    },
    {
      alert: 'HealthCheckFailed',
      // absent(): a probe that stopped reporting is as bad as one that fails.
      expr: `${q(RULES.probeSuccess)} < 1 or absent(${q(RULES.probeSuccess)})`,
      for: healthCheck.for,
      labels: { service, severity: healthCheck.severity },
      annotations: {
        summary: `${service}: health check ${slo.health.path} failed for ${healthCheck.for}`,
        description: `The blackbox probe of ${service}'s ${slo.health.path} (job ${slo.health.probeJob}) has failed or reported nothing for ${healthCheck.for}.`,
        ...runbook(slo, 'HealthCheckFailed'),
      },
    },
  ];
  return { slo: burn, guide };
}

/** The whole rule file for one service: recording rules, the SLO burn-rate alerts and the guide's alerts. */
export function generateRules(slo: SloFile, options: RuleOptions = {}): RuleFile {
  const { slo: sloAlerts, guide } = alerts(slo);
  return {
    groups: [
      { name: `${slo.service}-recording`, rules: recording(slo, options) },
      { name: `${slo.service}-slo-alerts`, rules: sloAlerts },
      { name: `${slo.service}-alerts`, rules: guide },
    ],
  };
}

/** Every recorded name in a rule file. */
export function recordedNames(file: RuleFile): Set<string> {
  return new Set(file.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
}

/** Every alert name in a rule file. */
export function alertNames(file: RuleFile): string[] {
  return file.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
}

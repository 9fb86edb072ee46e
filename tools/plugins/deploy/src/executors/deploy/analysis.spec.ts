import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseSlo, renderRules, type SloFile } from '@customercare/nx-monitoring/lib';
import { analyse, analysisQueries, withMatchers } from './analysis';
import { readDeployConfig, resolveEnvironment } from './config';
import { withSlo, type DeploySlo } from './slo';

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..');
const BACKEND_SLO = 'apps/backend/monitoring/slo.yml';
const backendSloText = () => readFileSync(join(WORKSPACE_ROOT, BACKEND_SLO), 'utf8');
const sloOf = (spec: SloFile, window = '1m'): DeploySlo => ({ file: BACKEND_SLO, spec, window });
const backend = sloOf(parseSlo(backendSloText(), BACKEND_SLO));
/** The local provider's selector of a release (providers/local.ts `metrics`). */
const target = { prometheus: 'http://p', appSelector: 'release="v3",slot="green"' };

interface RuleFile {
  groups: Array<{ rules: Array<{ record?: string; alert?: string; expr: string }> }>;
}
/** The rule file exactly as Prometheus loads it (dist/monitoring/prometheus/rules.yml, the local provider's rules.yml). */
const ruleFileOf = (slo: SloFile, releaseWindow?: string) =>
  parse(renderRules(slo, BACKEND_SLO, { releaseWindow })) as RuleFile;
const rulesOf = (file: RuleFile) => file.groups.flatMap((g) => g.rules);
/** Recorded series names a PromQL expression reads (level:metric:operation). */
const ruleNamesIn = (expr: string) => [...expr.matchAll(/([a-z_]+:[a-z0-9_]+:[a-z0-9_]+)\{/g)].map((m) => m[1]);

describe('canary analysis queries', () => {
  it("average the release-level recording rules over the step's own window", () => {
    expect(analysisQueries(target, backend, 12)).toEqual({
      requests:
        'sum(avg_over_time(release:http_requests:rate1m{service="backend",release="v3",slot="green"}[12s])) * 12',
      errors:
        'sum(avg_over_time(release:http_request_errors:rate1m{service="backend",release="v3",slot="green"}[12s])) * 12',
      p95: 'histogram_quantile(0.95, sum by (le) (avg_over_time(release:http_request_duration_seconds_bucket:rate1m{service="backend",release="v3",slot="green"}[12s])))',
    });
  });

  const inline = { rules: 'inline' as const, inlineStepMs: 15_000 };

  it("inline each rule's expr from the rendered rule file where the endpoint evaluates no rules (rules: inline)", () => {
    expect(analysisQueries(target, backend, 120, inline)).toEqual({
      requests:
        'sum(avg_over_time((sum by (release, slot, revision_name) (rate(ccg_http_requests_total{job="backend",release="v3",slot="green"}[1m])))[120s:15s])) * 120',
      errors:
        'sum(avg_over_time((sum by (release, slot, revision_name) (rate(ccg_http_requests_total{job="backend",status=~"5..",release="v3",slot="green"}[1m])))[120s:15s])) * 120',
      p95: 'histogram_quantile(0.95, sum by (le) (avg_over_time((sum by (le, release, slot, revision_name) (rate(ccg_http_request_duration_seconds_bucket{job="backend",release="v3",slot="green"}[1m])))[120s:15s])))',
    });
  });

  it.each([
    ['the monitoring target ships (dist/monitoring/prometheus/rules.yml)', undefined, '1m'],
    ["the local provider's Prometheus loads (its release window: 5 scrapes)", '5s', '5s'],
  ])('read only series that the rule file %s records, as the alerts do', (_what, releaseWindow, window) => {
    const file = ruleFileOf(backend.spec, releaseWindow);
    const recorded = new Set(rulesOf(file).flatMap((r) => (r.record ? [r.record] : [])));
    const canary = Object.values(analysisQueries(target, sloOf(backend.spec, window), 20)).flatMap(ruleNamesIn);
    expect(new Set(canary)).toEqual(
      new Set([
        `release:http_requests:rate${window}`,
        `release:http_request_errors:rate${window}`,
        `release:http_request_duration_seconds_bucket:rate${window}`,
      ]),
    );
    for (const name of canary) expect(recorded).toContain(name);
    const alerts = rulesOf(file).filter((r) => r.alert);
    for (const name of alerts.flatMap((a) => ruleNamesIn(a.expr))) expect(recorded).toContain(name);
    // Inlined (rules: inline), each query holds the expr of one of those rules, word for word but for
    // the release's matchers, in place of its recorded name.
    const inlined = analysisQueries(target, sloOf(backend.spec, window), 20, inline);
    const exprOf = (name: string) => rulesOf(file).find((r) => r.record === name)?.expr ?? '';
    const release = ',release="v3",slot="green"}';
    expect(inlined.requests).toContain(
      `(${exprOf(`release:http_requests:rate${window}`).replace('}', release)})[20s:15s]`,
    );
    expect(inlined.errors).toContain(
      `(${exprOf(`release:http_request_errors:rate${window}`).replace('}', release)})[20s:15s]`,
    );
    expect(inlined.p95).toContain(
      `(${exprOf(`release:http_request_duration_seconds_bucket:rate${window}`).replace('}', release)})[20s:15s]`,
    );
    for (const query of Object.values(inlined)) expect(ruleNamesIn(query)).toEqual([]);
  });

  it('change with the metric names of slo.yml, together with the alerts', () => {
    const renamed = parseSlo(
      backendSloText()
        .replace('requests: ccg_http_requests_total', 'requests: ccg_http_requests_renamed_total')
        .replace(
          'latencyBucket: ccg_http_request_duration_seconds_bucket',
          'latencyBucket: ccg_latency_renamed_bucket',
        ),
      BACKEND_SLO,
    );
    const rules = rulesOf(ruleFileOf(renamed));
    const expr = (name: string) => rules.find((r) => r.record === name || r.alert === name)?.expr ?? '';
    // What the alerts read (HighErrorRate, HighLatency) and what the canary reads now come from the new names.
    const read = [
      ...ruleNamesIn(expr('HighErrorRate')),
      ...ruleNamesIn(expr('HighLatency')),
      ...Object.values(analysisQueries(target, sloOf(renamed), 20)).flatMap(ruleNamesIn),
    ];
    for (const name of read) {
      expect(expr(name)).toMatch(/ccg_http_requests_renamed_total|ccg_latency_renamed_bucket/);
      expect(expr(name)).not.toMatch(/ccg_http_requests_total|ccg_http_request_duration_seconds_bucket/);
    }
    const inlined = Object.values(analysisQueries(target, sloOf(renamed), 20, inline)).join('\n');
    expect(inlined).toMatch(/ccg_http_requests_renamed_total\{/);
    expect(inlined).toMatch(/ccg_latency_renamed_bucket\{/);
    expect(inlined).not.toMatch(/ccg_http_requests_total|ccg_http_request_duration_seconds_bucket/);
  });

  it('select the release inside every range selector of an inlined rule, and refuse a selector outside a range', () => {
    expect(withMatchers('sum by (release) (rate(m[1m]))', 'release="v3"', 'r')).toBe(
      'sum by (release) (rate(m{release="v3"}[1m]))',
    );
    expect(withMatchers('sum(rate(m{}[1m]))', 'release="v3"', 'r')).toBe('sum(rate(m{release="v3"}[1m]))');
    expect(withMatchers('sum(rate(a{x="1"}[1m])) / sum(rate(b{y=~"2.."}[5m]))', 'release="v3"', 'r')).toBe(
      'sum(rate(a{x="1",release="v3"}[1m])) / sum(rate(b{y=~"2..",release="v3"}[5m]))',
    );
    expect(() => withMatchers('sum by (release) (m{job="backend"})', 'release="v3"', 'release:m:sum')).toThrow(
      'the recording rule release:m:sum (sum by (release) (m{job="backend"})) has a selector outside a range, so the canary cannot select one release in it when it inlines the rule (analysis.rules: inline). Keep the release-level rules to sum by (...) (rate(<metric>{...}[<window>])).',
    );
  });

  it('refuse a release selector whose labels the rules do not keep, naming the fix', () => {
    const onlyRelease = sloOf({ ...backend.spec, releases: { labels: ['release'] } });
    expect(() => analysisQueries(target, onlyRelease, 10)).toThrow(
      'the canary selects a release by slot, which the release-level recording rules of backend do not keep (releases.labels: release). Add slot to releases.labels in apps/backend/monitoring/slo.yml.',
    );
    // Cloud Run's selector (Google Managed Prometheus' revision label) is kept by the backend's rules.
    expect(() =>
      analysisQueries({ prometheus: 'p', appSelector: 'revision_name="api-00042-abc"' }, backend, 10),
    ).not.toThrow();
  });
});

describe('canary verdicts', () => {
  const raw = { service: 'svc', environments: { s: { provider: 'local' as const, local: { command: ['x'] } } } };
  const config = {
    ...resolveEnvironment(raw, 's', { perf: { p95Ms: 800, errorRate: 0.02 } }, 'deploy.yml').analysis,
    minSamples: 20,
    errorRate: 0.01,
    p95Ms: 500,
  };
  const answers =
    (requests: number | null, errors: number | null, p95: number | null) => async (_: string, expr: string) =>
      expr.startsWith('histogram_quantile') ? p95 : expr.includes('http_request_errors') ? errors : requests;

  it.each([
    [
      'no data at all',
      null,
      null,
      null,
      'inconclusive',
      'only 0 requests reached the candidate in 10s; at least 20 are needed to judge it',
    ],
    [
      'too few samples, even all failing',
      5,
      5,
      0.01,
      'inconclusive',
      'only 5 requests reached the candidate in 10s; at least 20 are needed to judge it',
    ],
    [
      'requests but no latency histogram',
      100,
      0,
      null,
      'inconclusive',
      'no latency histogram for the candidate (release="v3",slot="green"); check metrics.latencyBucket in apps/backend/monitoring/slo.yml',
    ],
    ['errors above the gate', 100, 5, 0.01, 'fail', 'error ratio 5.00% (5/100) is above 1.00%'],
    ['p95 above the gate', 100, 0, 0.75, 'fail', 'p95 latency 750.0 ms is above 500 ms'],
    ['within both gates', 100, 1, 0.2, 'pass', undefined],
  ])('%s -> %s', async (_name, requests, errors, p95, status, reason) => {
    const verdict = await analyse(answers(requests, errors, p95), target, undefined, backend, config, 10);
    expect(verdict.status).toBe(status);
    expect(verdict.reasons[0]).toBe(reason);
  });
});

describe('the SLO file of a deploy', () => {
  const GATES = { perf: { p95Ms: 800, errorRate: 0.02 } };
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'deploy-slo-'));
    mkdirSync(join(root, 'svc', 'monitoring'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const deployYml = (extra: Record<string, unknown> = {}) =>
    writeFileSync(
      join(root, 'svc', 'deploy.yml'),
      stringify({
        service: 'svc',
        ...extra,
        environments: { staging: { provider: 'local', url: 'http://127.0.0.1:1', local: { command: ['x'] } } },
      }),
    );
  const prepared = () => {
    const raw = readDeployConfig(root, 'svc/deploy.yml');
    return withSlo(resolveEnvironment(raw, 'staging', GATES, 'svc/deploy.yml'), raw, 'svc/deploy.yml', root, 'svc');
  };

  it("gives the analysis the service's slo.yml and takes the metric names from it", () => {
    deployYml();
    expect(prepared().slo).toBeUndefined();
    writeFileSync(
      join(root, 'svc', 'monitoring', 'slo.yml'),
      backendSloText().replace('service: backend', 'service: svc'),
    );
    const env = prepared();
    // The local provider scrapes every second (the default): its release rules rate over 5 scrapes.
    expect(env.slo).toMatchObject({ file: 'svc/monitoring/slo.yml', window: '5s', spec: { service: 'svc' } });
    expect(env.metrics).toEqual({
      requests: 'ccg_http_requests_total',
      statusLabel: 'status',
      latencyBucket: 'ccg_http_request_duration_seconds_bucket',
    });
  });

  it('refuses metric names in deploy.yml when slo.yml names them', () => {
    writeFileSync(join(root, 'svc', 'monitoring', 'slo.yml'), backendSloText());
    deployYml({ metrics: { requests: 'http_requests_total' } });
    expect(prepared).toThrow(
      'svc/deploy.yml names metrics, but svc/monitoring/slo.yml exists: the canary analysis reads the metric names and recording rules from svc/monitoring/slo.yml. Remove "metrics" from svc/deploy.yml.',
    );
  });

  it("holds for the backend's own deploy config", () => {
    const raw = readDeployConfig(WORKSPACE_ROOT, 'apps/backend/deploy.yml');
    const env = withSlo(
      resolveEnvironment(raw, 'staging', GATES, 'apps/backend/deploy.yml'),
      raw,
      'apps/backend/deploy.yml',
      WORKSPACE_ROOT,
      'apps/backend',
    );
    expect(env.slo).toMatchObject({ file: BACKEND_SLO, window: '5s' });
    const production = withSlo(
      resolveEnvironment(raw, 'production', GATES, 'apps/backend/deploy.yml'),
      raw,
      'apps/backend/deploy.yml',
      WORKSPACE_ROOT,
      'apps/backend',
    );
    expect(production.slo?.window).toBe('1m');
    // Google Managed Prometheus evaluates no rule file: production's canary inlines the rules.
    expect(production.analysis).toMatchObject({ rules: 'inline', inlineStepMs: 15_000 });
    expect(env.analysis).toMatchObject({ rules: 'evaluated' });
  });
});

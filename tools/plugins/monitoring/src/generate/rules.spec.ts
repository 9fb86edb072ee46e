import { parseSlo } from '../slo/load';
import { backendSloText } from '../testing';
import { alertNames, generateRules, recordedNames, RULES, selectorLabels } from './rules';

const slo = parseSlo(backendSloText(), 'slo.yml');
const rules = generateRules(slo);
const alert = (name: string) => rules.groups.flatMap((g) => g.rules).find((r) => r.alert === name);

describe('generateRules', () => {
  it('pages on a 14.4x burn over 1h and 5m, tickets on 6x over 6h and 30m (SRE workbook)', () => {
    expect(alert('ErrorBudgetBurnFast')).toMatchObject({
      expr: 'service:http_request_errors:ratio_rate1h{service="backend"} > 0.0144 and service:http_request_errors:ratio_rate5m{service="backend"} > 0.0144',
      labels: { severity: 'critical', service: 'backend', window: '1h' },
    });
    expect(alert('ErrorBudgetBurnSlow')).toMatchObject({
      expr: 'service:http_request_errors:ratio_rate6h{service="backend"} > 0.006 and service:http_request_errors:ratio_rate30m{service="backend"} > 0.006',
      labels: { severity: 'ticket', window: '6h' },
    });
  });

  it("states the guide's three alerts as it does", () => {
    expect(alert('HighErrorRate')).toMatchObject({
      expr: 'service:http_request_errors:ratio_rate5m{service="backend"} > 0.05',
      for: '5m',
      labels: { severity: 'critical' },
    });
    expect(alert('HighLatency')).toMatchObject({
      expr: 'service:http_request_duration_seconds:p95_5m{service="backend"} > 5',
      for: '10m',
      labels: { severity: 'warning' },
    });
    expect(alert('HealthCheckFailed')).toMatchObject({ for: '1m', labels: { severity: 'critical' } });
  });

  it('builds the recording rules over the names the backend exports', () => {
    const byName = Object.fromEntries(rules.groups[0].rules.map((r) => [r.record, r.expr]));
    expect(byName[RULES.errorRatio('5m')]).toBe(
      '(sum(rate(ccg_http_requests_total{job="backend",status=~"5.."}[5m])) or vector(0)) / sum(rate(ccg_http_requests_total{job="backend"}[5m]))',
    );
    expect(byName[RULES.dbPoolUtilisation]).toBe(
      'service:db_pool_checked_out:sum{service="backend"} / service:db_pool_size:sum{service="backend"}',
    );
    expect(byName[RULES.processCpu]).toBe('sum(rate(process_cpu_seconds_total{job="backend"}[5m]))');
  });

  it('makes every alert read recorded series only', () => {
    const recorded = recordedNames(rules);
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alertNames(rules)).toEqual([
      'ErrorBudgetBurnFast',
      'ErrorBudgetBurnSlow',
      'HighErrorRate',
      'HighLatency',
      'HealthCheckFailed',
    ]);
    for (const a of alerts) {
      const names = [...a.expr.matchAll(/([a-z_:]+:[a-z0-9_]+)\{/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(recorded).toContain(name);
    }
  });
});

describe('release-level rules', () => {
  it('record request and 5xx rates and the latency histogram per release, over 1m', () => {
    const byName = Object.fromEntries(rules.groups[0].rules.map((r) => [r.record, r]));
    expect(byName[RULES.releaseRequestRate('1m')]).toEqual({
      record: 'release:http_requests:rate1m',
      expr: 'sum by (release, slot, revision_name) (rate(ccg_http_requests_total{job="backend"}[1m]))',
      labels: { service: 'backend' },
    });
    expect(byName[RULES.releaseErrorRate('1m')].expr).toBe(
      'sum by (release, slot, revision_name) (rate(ccg_http_requests_total{job="backend",status=~"5.."}[1m]))',
    );
    expect(byName[RULES.releaseLatencyBuckets('1m')].expr).toBe(
      'sum by (le, release, slot, revision_name) (rate(ccg_http_request_duration_seconds_bucket{job="backend"}[1m]))',
    );
  });

  it('keep only the release label when slo.yml names none, and take the window they are given', () => {
    const plain = generateRules({ ...slo, releases: undefined }, { releaseWindow: '3s' });
    const rule = plain.groups[0].rules.find((r) => r.record === RULES.releaseRequestRate('3s'));
    expect(rule?.expr).toBe('sum by (release) (rate(ccg_http_requests_total{job="backend"}[3s]))');
  });
});

describe('selectorLabels', () => {
  it('turns equality matchers into scrape target labels, and refuses the others with the fix', () => {
    expect(selectorLabels(slo)).toEqual({ job: 'backend' });
    expect(selectorLabels({ ...slo, selector: 'job="api", env="prod"' })).toEqual({ job: 'api', env: 'prod' });
    expect(() => selectorLabels({ ...slo, selector: 'job=~"api|web"' })).toThrow(
      'selector job=~"api|web" of service backend uses job=~"…": a scrape target can only be given name="value" labels. Use equality matchers only (e.g. job="backend").',
    );
    expect(() => selectorLabels({ ...slo, selector: 'job' })).toThrow(
      'selector job of service backend is not a list of name="value" matchers (e.g. job="backend").',
    );
  });
});

import { parseSlo } from '../slo/load';
import { backendSloText, backendSloWith } from '../testing';
import { dashboardQueries, DashboardError, generateDashboard, panelSpecs } from './dashboard';
import { dashboardSvg } from './dashboard-svg';
import { generateRules, recordedNames } from './rules';

const slo = parseSlo(backendSloText(), 'slo.yml');
const rules = generateRules(slo);

describe('generateDashboard', () => {
  it('plots only recording rules, one panel per signal the issue lists', () => {
    const dashboard = generateDashboard(slo, rules);
    const recorded = recordedNames(rules);
    const queries = dashboardQueries(dashboard);
    for (const { expr } of queries) expect(recorded).toContain(expr.replace('{service="backend"}', ''));
    expect([...new Set(queries.map((q) => q.panel))]).toEqual([
      'Request rate',
      'Error ratio (5xx)',
      'Latency percentiles',
      'Error budget burn rate',
      'Error budget remaining',
      'Health probe',
      'Answer provider latency p95',
      'Answer provider errors',
      'Retrieval hits per question',
      'CPU',
      'Resident memory',
      'Connections checked out / pool size',
      'Pool wait p95',
    ]);
    expect(dashboard.uid).toBe('backend-slo');
  });

  it('fails the build when a panel queries a series no recording rule defines', () => {
    const specs = panelSpecs(slo);
    specs[0] = { ...specs[0], queries: [{ rule: 'service:http_requests:rate1m' }] };
    expect(() => generateDashboard(slo, rules, specs)).toThrow(DashboardError);
    expect(() => generateDashboard(slo, rules, specs)).toThrow(
      'The backend dashboard queries 1 series no recording rule defines:\n  - panel "Request rate" -> service:http_requests:rate1m\n' +
        "Define the rule in tools/plugins/monitoring/src/generate/rules.ts (or fix the panel's rule name in dashboard.ts).",
    );
  });

  it('leaves out the panels of metrics the service does not export', () => {
    const lean = parseSlo(
      backendSloWith((s) => {
        delete s.metrics.dbPoolSize;
        delete s.metrics.dbPoolCheckedOut;
        delete s.metrics.dbPoolWaitBucket;
      }),
      'slo.yml',
    );
    const panels = dashboardQueries(generateDashboard(lean, generateRules(lean))).map((q) => q.panel);
    expect(panels).not.toContain('Pool wait p95');
    expect(panels).toContain('CPU');
  });
});

describe('dashboardSvg', () => {
  it('draws every panel of the generated dashboard with the rules it queries', () => {
    const dashboard = generateDashboard(slo, rules);
    const svg = dashboardSvg(dashboard);
    const text = svg.replace(/<\/text>\n<text [^>]*>/g, '');
    for (const { panel, expr } of dashboardQueries(dashboard)) {
      expect(svg).toContain(`>${panel}</text>`);
      expect(text).toContain(expr.replace(/"/g, '&quot;'));
    }
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1200" height="1890"/);
  });
});

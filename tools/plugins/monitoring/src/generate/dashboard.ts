import { DashboardBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import type { SloMetrics, SloFile } from '../slo/types';
import { errorBudget, percentileName, RULES, ruleQuery, type RuleFile, recordedNames } from './rules';

export class DashboardError extends Error {
  override name = 'DashboardError';
}

/** One panel: a title, a unit, and the recording rules it plots (never raw metrics). */
export interface PanelSpec {
  row: string;
  title: string;
  unit: string;
  kind?: 'timeseries' | 'stat';
  queries: Array<{ rule: string; legend?: string }>;
  /** The slo.yml metric the rule is built from; the panel is left out when the service does not export it. */
  needs?: keyof SloMetrics;
}

/** The panels of a service's dashboard, row by row. */
export function panelSpecs(slo: SloFile): PanelSpec[] {
  const latency = [50, slo.objectives.latency.percentile, 99];
  return [
    {
      row: 'Traffic',
      title: 'Request rate',
      unit: 'reqps',
      queries: [{ rule: RULES.requestRate('5m'), legend: '5m' }],
    },
    {
      row: 'Traffic',
      title: 'Error ratio (5xx)',
      unit: 'percentunit',
      queries: [
        { rule: RULES.errorRatio('5m'), legend: '5m' },
        { rule: RULES.errorRatio('1h'), legend: '1h' },
      ],
    },
    {
      row: 'Traffic',
      title: 'Latency percentiles',
      unit: 's',
      queries: [...new Set(latency)].map((p) => ({ rule: RULES.latency(p), legend: percentileName(p) })),
    },
    {
      row: `SLO: ${slo.objectives.availability.target}% availability over ${slo.objectives.availability.window}`,
      title: 'Error budget burn rate',
      unit: 'none',
      queries: [
        { rule: RULES.burnRate('1h'), legend: '1h (page at 14.4)' },
        { rule: RULES.burnRate('6h'), legend: '6h (ticket at 6)' },
      ],
    },
    {
      row: `SLO: ${slo.objectives.availability.target}% availability over ${slo.objectives.availability.window}`,
      title: 'Error budget remaining',
      unit: 'percentunit',
      kind: 'stat',
      queries: [{ rule: RULES.budgetRemaining }],
    },
    {
      row: `SLO: ${slo.objectives.availability.target}% availability over ${slo.objectives.availability.window}`,
      title: 'Health probe',
      unit: 'bool_yes_no',
      kind: 'stat',
      queries: [{ rule: RULES.probeSuccess }],
    },
    {
      row: 'Answers',
      title: 'Answer provider latency p95',
      unit: 's',
      needs: 'answerLatencyBucket',
      queries: [{ rule: RULES.answerLatency, legend: '{{provider}}' }],
    },
    {
      row: 'Answers',
      title: 'Answer provider errors',
      unit: 'reqps',
      needs: 'providerErrors',
      queries: [{ rule: RULES.providerErrors, legend: '{{provider}} {{kind}}' }],
    },
    {
      row: 'Answers',
      title: 'Retrieval hits per question',
      unit: 'none',
      needs: 'retrievalHits',
      queries: [
        { rule: RULES.retrievalHitsMean, legend: 'mean hits' },
        { rule: RULES.retrievalZeroHits, legend: 'share with no hit' },
      ],
    },
    { row: 'Process', title: 'CPU', unit: 'percentunit', needs: 'processCpu', queries: [{ rule: RULES.processCpu }] },
    {
      row: 'Process',
      title: 'Resident memory',
      unit: 'bytes',
      needs: 'processMemory',
      queries: [{ rule: RULES.processMemory }],
    },
    {
      row: 'Database pool',
      title: 'Connections checked out / pool size',
      unit: 'none',
      needs: 'dbPoolCheckedOut',
      queries: [
        { rule: RULES.dbPoolCheckedOut, legend: 'checked out' },
        { rule: RULES.dbPoolSize, legend: 'size' },
      ],
    },
    {
      row: 'Database pool',
      title: 'Pool wait p95',
      unit: 's',
      needs: 'dbPoolWaitBucket',
      queries: [{ rule: RULES.dbPoolWait }],
    },
  ];
}

/**
 * The dashboard as code. Every query must be a recording rule of `rules`: a panel that names
 * anything else fails the build, so renaming a metric or a rule cannot leave a blank panel behind.
 */
export function generateDashboard(slo: SloFile, rules: RuleFile, specs = panelSpecs(slo)): Dashboard {
  const recorded = recordedNames(rules);
  const panels = specs.filter((p) => !p.needs || slo.metrics[p.needs]);
  const unknown = panels.flatMap((p) =>
    p.queries.filter((q) => !recorded.has(q.rule)).map((q) => `"${p.title}" -> ${q.rule}`),
  );
  if (unknown.length > 0) {
    throw new DashboardError(
      `The ${slo.service} dashboard queries ${unknown.length} series no recording rule defines:\n` +
        unknown.map((u) => `  - panel ${u}`).join('\n') +
        `\nDefine the rule in tools/plugins/monitoring/src/generate/rules.ts (or fix the panel's rule name in dashboard.ts). Recorded: ${[...recorded].join(', ')}`,
    );
  }
  const builder = new DashboardBuilder(`${slo.service}: service level`)
    .uid(`${slo.service}-slo`)
    .tags(['generated', 'slo', slo.service])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('utc');
  let row = '';
  for (const spec of panels) {
    if (spec.row !== row) {
      builder.withRow(new RowBuilder(spec.row));
      row = spec.row;
    }
    const panel = spec.kind === 'stat' ? new StatPanelBuilder() : new TimeseriesPanelBuilder();
    panel
      .title(spec.title)
      .unit(spec.unit)
      .height(8)
      .span(spec.kind === 'stat' ? 6 : 12);
    if (spec.title === 'Error ratio (5xx)')
      panel.description(`SLO error budget: ${errorBudget(slo) * 100}% of requests.`);
    for (const [i, query] of spec.queries.entries()) {
      const target = new DataqueryBuilder().expr(ruleQuery(slo, query.rule)).refId(String.fromCharCode(65 + i));
      if (query.legend) target.legendFormat(query.legend);
      panel.withTarget(target);
    }
    builder.withPanel(panel);
  }
  return builder.build();
}

/** Every expression the dashboard runs, panel by panel (for checks and docs). */
export function dashboardQueries(dashboard: Dashboard): Array<{ panel: string; expr: string }> {
  return (dashboard.panels ?? []).flatMap((panel) => {
    const p = panel as { title?: string; targets?: Array<{ expr?: string }> };
    return (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: t.expr ?? '' }));
  });
}

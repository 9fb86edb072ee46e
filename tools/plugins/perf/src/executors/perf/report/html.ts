import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LatencyStats } from '../recorder';
import { formatMs, type PerfReport } from './perf-report';
import { escapeHtml } from '@customercare/nx-core';

const escape = escapeHtml;

interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

interface ChartSpec {
  title: string;
  series: Series[];
  xLabel: string;
  yLabel: string;
  /** Labels for x positions; the default prints the number. */
  xTick?: (x: number) => string;
  xTicks?: number[];
  /** Vertical markers, e.g. phase boundaries. */
  markers?: Array<{ x: number; label: string }>;
  bars?: boolean;
}

const W = 880;
const H = 280;
const PAD = { left: 78, right: 16, top: 28, bottom: 44 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 2.5, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

/** About five ticks at round numbers (1, 2 or 5 times a power of ten) between min and max. */
function niceTicks(min: number, max: number): number[] {
  const raw = (max - min) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let x = Math.ceil(min / step) * step; x <= max + 1e-9; x += step) ticks.push(x);
  return ticks;
}

/** A self-contained SVG line (or bar) chart: no script, no external assets. */
function chart(spec: ChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) return `<p>No data for “${escape(spec.title)}”.</p>`;
  const xs = all.map(([x]) => x);
  // A bar covers its slot [x, x + step), so the axis runs one slot past the last x.
  const slots = [...new Set(xs)].sort((a, b) => a - b);
  const step = slots.length > 1 ? Math.min(...slots.slice(1).map((x, i) => x - slots[i])) : 1;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1) + (spec.bars ? step : 0);
  const totals = new Map<number, number>();
  for (const [x, y] of all) totals.set(x, (totals.get(x) ?? 0) + y);
  const yMax = niceMax(spec.bars ? Math.max(...totals.values()) : Math.max(...all.map(([, y]) => y)));
  const px = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e7eb"/>`,
      `<text x="${PAD.left - 6}" y="${py(y) + 4}" text-anchor="end">${escape(spec.bars ? String(Math.round(y * 10) / 10) : formatMs(y))}</text>`,
    );
  }
  const ticks = spec.xTicks ?? niceTicks(xMin, xMax);
  for (const x of ticks) {
    parts.push(
      `<text x="${px(x)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escape(spec.xTick ? spec.xTick(x) : String(Math.round(x)))}</text>`,
    );
  }
  for (const marker of spec.markers ?? []) {
    parts.push(
      `<line x1="${px(marker.x)}" x2="${px(marker.x)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#9ca3af" stroke-dasharray="4 3"/>`,
      `<text x="${px(marker.x) + 3}" y="${PAD.top + 10}" fill="#6b7280">${escape(marker.label)}</text>`,
    );
  }
  // Bars are stacked series on series, one slot per distinct x.
  const barWidth = Math.max(1, px(xMin + step) - px(xMin) - 1);
  const stacked = new Map<number, number>();
  for (const series of spec.series) {
    if (spec.bars) {
      for (const [x, y] of series.points) {
        const base = stacked.get(x) ?? 0;
        stacked.set(x, base + y);
        parts.push(
          `<rect x="${px(x) + 0.5}" y="${py(base + y)}" width="${barWidth}" height="${py(base) - py(base + y)}" fill="${series.color}"><title>${escape(`${series.label}: ${y} at ${spec.xTick ? spec.xTick(x) : x}`)}</title></rect>`,
        );
      }
    } else {
      const d = series.points
        .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
        .join('');
      parts.push(`<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
      for (const [x, y] of series.points.length <= 40 ? series.points : []) {
        parts.push(
          `<circle cx="${px(x)}" cy="${py(y)}" r="2.5" fill="${series.color}"><title>${escape(`${series.label}: ${formatMs(y)} at ${spec.xTick ? spec.xTick(x) : x}`)}</title></circle>`,
        );
      }
    }
  }
  const legend = spec.series
    .map(
      (s, i) =>
        `<rect x="${PAD.left + i * 110}" y="6" width="10" height="10" fill="${s.color}"/><text x="${PAD.left + i * 110 + 14}" y="15">${escape(s.label)}</text>`,
    )
    .join('');
  return (
    `<figure><figcaption>${escape(spec.title)}</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escape(spec.title)}" font-size="11" font-family="system-ui, sans-serif">` +
    legend +
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#374151"/>` +
    parts.join('') +
    `<text x="${(W + PAD.left) / 2}" y="${H - 6}" text-anchor="middle">${escape(spec.xLabel)}</text>` +
    `<text transform="translate(14 ${(H - PAD.bottom + PAD.top) / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>` +
    `</svg></figure>`
  );
}

function statsRow(name: string, s: LatencyStats, extra = ''): string {
  const cells = [
    escape(name),
    extra,
    String(s.count),
    `${s.throughputRps}`,
    formatMs(s.p50Ms),
    formatMs(s.p90Ms),
    formatMs(s.p95Ms),
    formatMs(s.p99Ms),
    formatMs(s.maxMs),
    `${(s.errorRate * 100).toFixed(2)} %`,
    escape(
      Object.entries(s.statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
    ),
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

const HEAD =
  '<tr><th>name</th><th>offered req/s</th><th>requests</th><th>ok req/s</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>errors</th><th>statuses</th></tr>';

/** "Nines" scale: 0 % -> 0, 90 % -> 1, 99 % -> 2, 99.9 % -> 3; the maximum is drawn one step past the last percentile. */
function nines(percentile: number): number {
  return percentile >= 100 ? Number.NaN : -Math.log10(1 - percentile / 100);
}

/** The report for people: one self-contained page with the run's charts and tables. */
export function renderHtml(report: PerfReport): string {
  const bounds: number[] = [];
  let at = 0;
  for (const phase of report.phasesPlan) {
    bounds.push(at);
    at += phase.durationS;
  }
  const markers = report.phasesPlan.map((phase, i) => ({ x: bounds[i], label: phase.name }));
  const timeline = report.timeline;
  const latencyChart = chart({
    title: 'Latency over time (from each request’s scheduled send time)',
    xLabel: 'seconds into the run',
    yLabel: 'latency',
    markers,
    series: [
      { label: 'p50', color: '#2563eb', points: timeline.map((p) => [p.second, p.p50Ms]) },
      { label: 'p95', color: '#f59e0b', points: timeline.map((p) => [p.second, p.p95Ms]) },
      { label: 'p99', color: '#dc2626', points: timeline.map((p) => [p.second, p.p99Ms]) },
    ],
  });
  const step = timeline.length > 1 ? timeline[1].second - timeline[0].second : 1;
  const throughputChart = chart({
    title: `Requests per ${step === 1 ? 'second' : `${step} s`} (green: answered as expected, red: failed)`,
    xLabel: 'seconds into the run',
    yLabel: 'requests',
    bars: true,
    markers,
    series: [
      { label: 'ok', color: '#16a34a', points: timeline.map((p) => [p.second, p.count - p.errors]) },
      {
        label: 'failed',
        color: '#dc2626',
        points: timeline.filter((p) => p.errors > 0).map((p) => [p.second, p.errors]),
      },
    ],
  });
  const finite = report.distribution.filter((p) => p.percentile < 100);
  const lastX = finite.length > 0 ? nines(finite[finite.length - 1].percentile) : 0;
  const distributionPoints: Array<[number, number]> = report.distribution.map((p) => [
    p.percentile < 100 ? nines(p.percentile) : lastX + 0.5,
    p.valueMs,
  ]);
  const labels = new Map(
    report.distribution.map((p) => [
      p.percentile < 100 ? nines(p.percentile) : lastX + 0.5,
      p.percentile < 100 ? `p${p.percentile}` : 'max',
    ]),
  );
  const percentileChart = chart({
    title: 'Latency by percentile (HDR histogram of the whole run)',
    xLabel: 'percentile (log scale of nines)',
    yLabel: 'latency',
    series: [{ label: 'latency', color: '#7c3aed', points: distributionPoints }],
    xTicks: [...labels.keys()].filter((x) =>
      [0, 50, 90, 99, 99.9, 99.99, 100].some((p) => labels.get(x) === (p === 100 ? 'max' : `p${p}`)),
    ),
    xTick: (x) => labels.get(x) ?? '',
  });
  const gates = report.gates
    .map(
      (g) =>
        `<tr class="${g.passed ? 'pass' : 'fail'}"><td>${g.passed ? 'PASS' : 'FAIL'}</td><td>${escape(g.gate)}</td><td>${escape(String(g.measured ?? 'not measured'))}</td><td>${escape(String(g.threshold))}</td><td>${escape(g.reason ?? '')}</td></tr>`,
    )
    .join('');
  const t = report.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>perf ${escape(report.project)} (${escape(report.profile)})</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#111827;padding:0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0 20px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}tr.pass td:first-child{color:#15803d;font-weight:600}tr.fail td:first-child{color:#b91c1c;font-weight:600}
td:last-child{text-align:left}figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}code{background:#f3f4f6;padding:1px 4px}
.headline{font-size:16px}
</style></head><body>
<h1>perf: ${escape(report.project)}</h1>
<p class="headline">${t.count} requests in ${report.durationS}s, ${t.throughputRps} ok req/s (offered ${report.offeredRps}), p95 <b>${formatMs(t.p95Ms)}</b>, p99 <b>${formatMs(t.p99Ms)}</b>, errors <b>${(t.errorRate * 100).toFixed(2)} %</b></p>
<p>Scenario <code>${escape(report.scenario)}</code>, profile <code>${escape(report.profile)}</code>, engine <code>${escape(report.engine.name)}</code> (${escape(report.engine.version)}), target <code>${escape(report.target)}</code>, started ${escape(report.startedAt)}. Open model: each request is sent at its scheduled time and its latency counts from that time.</p>
<h2>Gates</h2>
<table><tr><th>result</th><th>gate</th><th>measured</th><th>threshold</th><th>note</th></tr>${gates}</table>
${latencyChart}
${throughputChart}
${percentileChart}
<h2>Phases</h2>
<table>${HEAD}${report.phases.map((p) => statsRow(p.name, p, String(p.offeredRps))).join('')}</table>
<h2>Requests</h2>
<table>${HEAD}${report.requests.map((r) => statsRow(r.name, r)).join('')}</table>
</body></html>
`;
}

export function writeHtmlReport(path: string, report: PerfReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderHtml(report));
}

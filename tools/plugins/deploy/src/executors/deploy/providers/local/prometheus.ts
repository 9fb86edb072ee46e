/**
 * Prometheus for the local environment: scrapes HAProxy's exporter and every release through a
 * file_sd target list that the provider rewrites when a slot changes (Prometheus watches the
 * file), labelling each release's series with its version and slot. With `rulesFile` it evaluates
 * the service's generated rules (the release-level ones are what the canary analysis reads) at the
 * scrape interval.
 */
export function prometheusConfig(o: {
  scrapeIntervalMs: number;
  statsPort: number;
  targetsFile: string;
  rulesFile?: string;
}): string {
  const interval = `${Math.max(1, Math.round(o.scrapeIntervalMs / 1000))}s`;
  const rules = o.rulesFile ? `rule_files: ['${o.rulesFile}']\n` : '';
  return `# Written by the deploy executor (local provider).
global:
  scrape_interval: ${interval}
  evaluation_interval: ${interval}
${rules}scrape_configs:
  - job_name: haproxy
    static_configs:
      - targets: ['127.0.0.1:${o.statsPort}']
  - job_name: releases
    file_sd_configs:
      - files: ['${o.targetsFile}']
        refresh_interval: ${interval}
`;
}

export interface ScrapeTarget {
  port: number;
  /** release and slot, plus the labels the service's SLO selector matches on (e.g. job). */
  labels: Record<string, string>;
}

export function targetsFile(targets: readonly ScrapeTarget[]): string {
  return `${JSON.stringify(
    targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: t.labels })),
    null,
    2,
  )}\n`;
}

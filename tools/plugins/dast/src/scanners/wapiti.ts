import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity, type ToolCommand } from '../shared';
import { startBudgetProxy } from '../budget-proxy';
import { runForReport, runLimits } from './tool';
import type { DastContext, DastParsed, DastScanner } from './types';

interface WapitiEntry {
  method: string;
  path: string;
  info: string;
  level: number;
  parameter: string;
}

interface WapitiReport {
  vulnerabilities?: Record<string, WapitiEntry[]>;
  anomalies?: Record<string, WapitiEntry[]>;
  infos?: { crawled_pages_nbr?: number };
}

/** wapiti's levels (wapitiCore/net/classes: 4 critical ... 0 info). */
const LEVELS: Record<number, Severity> = { 4: 'critical', 3: 'high', 2: 'medium', 1: 'low', 0: 'info' };

/** One crawl-and-attack of a site: the API (with its OpenAPI document) or a built front end. */
export interface WapitiSite {
  name: string;
  baseUrl: string;
  openapi?: string;
}

export function wapitiCommand(context: DastContext, site: WapitiSite, reportFile: string, timeS: number): ToolCommand {
  const settings = context.config.scanners.wapiti;
  const state = join(context.rawDir, 'wapiti-state');
  return {
    label: `wapiti (${site.name})`,
    command: 'wapiti',
    args: [
      '--url',
      `${site.baseUrl}/`,
      ...(site.openapi ? ['--swagger', site.baseUrl + site.openapi] : []),
      '--scope',
      'folder',
      '--module',
      settings.modules.join(','),
      '--depth',
      String(settings.depth),
      '--max-links-per-page',
      '100',
      '--max-files-per-dir',
      '100',
      '--max-scan-time',
      String(Math.max(1, Math.floor(timeS))),
      // Half the site's time for any one module: sql needs far more than crlf or redirect.
      '--max-attack-time',
      String(Math.max(1, Math.floor(timeS / 2))),
      '--timeout',
      '10',
      '--flush-session',
      '--store-session',
      state,
      '--store-config',
      state,
      '--format',
      'json',
      '--output',
      reportFile,
      // Its log says when a time limit stopped the crawl or a module: the run is then incomplete.
      '--log',
      logFileOf(reportFile),
      '--verbose',
      '1',
      '--no-bugreport',
      ...context.config.excludePaths.flatMap((path) => ['--exclude', `${site.baseUrl}${path}`]),
      ...Object.entries(context.headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`]),
    ],
    cwd: context.rawDir,
    // wapiti keeps state under the home folder unless told otherwise: keep everything in the reports.
    env: { HOME: state },
  };
}

/** Where wapiti's log of a site goes, beside its report. */
export const logFileOf = (reportFile: string) => reportFile.replace(/\.json$/, '.log');

/** The lines of a wapiti log that say a time limit cut the scan short. */
export function cutShort(log: string): string[] {
  return [...log.matchAll(/Max (?:scan|attack) time was reached[^\n]*/g)].map((m) => m[0].trim());
}

/** Vulnerabilities and anomalies (server errors, timeouts) of one site's JSON report. */
export function parseWapiti(output: string, site: string): { findings: Finding[]; pages: number } {
  const report = JSON.parse(output) as WapitiReport;
  if (!report.vulnerabilities) throw new Error('not a wapiti JSON report (no vulnerabilities)');
  const findings: Finding[] = [];
  for (const [kind, group] of [
    ['vulnerability', report.vulnerabilities],
    ['anomaly', report.anomalies ?? {}],
  ] as const) {
    for (const [category, entries] of Object.entries(group)) {
      for (const entry of entries) {
        const ruleId = category;
        findings.push({
          tool: 'wapiti',
          ruleId,
          severity: LEVELS[entry.level] ?? 'medium',
          message: `${category} (${kind}, ${site}): ${entry.info}`,
          file: `${entry.method} ${entry.path}`,
          line: 1,
          fingerprint: fingerprintOf('wapiti', ruleId, entry.method, entry.path, entry.parameter),
        });
      }
    }
  }
  return { findings, pages: report.infos?.crawled_pages_nbr ?? 0 };
}

export const wapiti: DastScanner = {
  name: 'wapiti',
  checks: 'crawl + attack of the API and built pages: SQL injection, XSS, CRLF, open redirects',
  async run(context, proxy, log): Promise<DastParsed> {
    const stateDir = join(context.rawDir, 'wapiti-state');
    mkdirSync(stateDir, { recursive: true });
    const sites: WapitiSite[] = [
      { name: 'api', baseUrl: proxy.url, openapi: context.config.openapi },
      ...context.pages.filter((p) => p.url).map((p) => ({ name: p.name, baseUrl: p.url as string })),
    ];
    const missing = context.pages.filter((p) => p.missing).map((p) => `${p.name}: ${p.missing}`);
    const findings: Finding[] = [];
    const summaries: string[] = [];
    // wapiti's own limits leave a fifth of the budget for its start-up and reports.
    const timeS = (context.config.scanners.wapiti.timeS * 0.8) / sites.length;
    for (const site of sites) {
      // The built pages go through a budget proxy of their own, with what the API crawl left.
      const pagesProxy =
        site.name === 'api'
          ? undefined
          : await startBudgetProxy(site.baseUrl, {
              requests: Math.max(1, context.config.scanners.wapiti.requests - proxy.used()),
              timeS,
            });
      const reportFile = join(context.rawDir, `wapiti-${site.name}.json`);
      const command = wapitiCommand(context, { ...site, baseUrl: pagesProxy?.url ?? site.baseUrl }, reportFile, timeS);
      const outcome = await runForReport(command, reportFile, [0], log, runLimits(context, 'wapiti')).finally(() =>
        pagesProxy?.close(),
      );
      if ('problem' in outcome) return outcome.missingTool ? { failed: outcome.problem } : { notRun: outcome.problem };
      const cutOff = pagesProxy?.exhausted();
      if (cutOff) missing.push(`${site.name}: ${cutOff}`);
      const logFile = logFileOf(reportFile);
      const stopped = existsSync(logFile) ? cutShort(readFileSync(logFile, 'utf8')) : [];
      if (stopped.length) missing.push(`${site.name}: ${stopped.join('; ')}`);
      const parsed = parseWapiti(outcome.output, site.name);
      findings.push(...parsed.findings);
      summaries.push(`${site.name}: ${parsed.pages} pages${pagesProxy ? `, ${pagesProxy.used()} requests` : ''}`);
    }
    return {
      findings,
      summary: summaries.join(', '),
      incomplete: missing.length ? `not every page or module checked: ${missing.join('; ')}` : undefined,
    };
  },
};

import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SloFile } from '../slo/types';
import { generateAlertmanager } from './alertmanager';
import { dashboardQueries, generateDashboard } from './dashboard';
import { dashboardSvg } from './dashboard-svg';
import { alertNames, generateRules, recordedNames, type RuleOptions } from './rules';

/** Where each generated file goes, relative to the output folder. */
export const OUTPUT_FILES = {
  rules: 'prometheus/rules.yml',
  alertmanager: 'alertmanager/alertmanager.yml',
  dashboard: (service: string) => `grafana/${service}.json`,
  dashboardPicture: (service: string) => `grafana/${service}.svg`,
  tests: 'tests',
} as const;

export interface BuiltMonitoring {
  outputDir: string;
  rulesFile: string;
  alertmanagerFile: string;
  dashboardFile: string;
  /** The promtool test files, copied beside the rules they load (`rule_files: [../prometheus/rules.yml]`). */
  testFiles: string[];
  alerts: string[];
  recorded: string[];
  panels: Array<{ panel: string; expr: string }>;
}

const HEADER = (source: string) =>
  `# Generated from ${source} by the monitoring target (tools/plugins/monitoring); do not edit.\n`;

const yaml = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });

/**
 * The Prometheus rule file of one SLO file, as `prometheus/rules.yml` holds it: what the monitoring
 * target ships and the local deploy provider's Prometheus loads.
 */
export function renderRules(slo: SloFile, source: string, options: RuleOptions = {}): string {
  return HEADER(source) + yaml(generateRules(slo, options));
}

/**
 * Writes everything generated from one SLO file into `outputDir` (emptied first, so a file the SLO
 * no longer produces does not linger) and copies the promtool tests beside the rules.
 */
export function buildMonitoring(slo: SloFile, source: string, testsDir: string, outputDir: string): BuiltMonitoring {
  const rules = generateRules(slo);
  const dashboard = generateDashboard(slo, rules);
  rmSync(outputDir, { recursive: true, force: true });
  const write = (relative: string, text: string) => {
    const path = join(outputDir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  const rulesFile = write(OUTPUT_FILES.rules, renderRules(slo, source));
  const alertmanagerFile = write(OUTPUT_FILES.alertmanager, HEADER(source) + yaml(generateAlertmanager(slo)));
  const dashboardFile = write(OUTPUT_FILES.dashboard(slo.service), `${JSON.stringify(dashboard, null, 2)}\n`);
  write(OUTPUT_FILES.dashboardPicture(slo.service), dashboardSvg(dashboard));
  const testFiles: string[] = [];
  if (existsSync(testsDir)) {
    mkdirSync(join(outputDir, OUTPUT_FILES.tests), { recursive: true });
    for (const name of readdirSync(testsDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()) {
      const target = join(outputDir, OUTPUT_FILES.tests, name);
      copyFileSync(join(testsDir, name), target);
      testFiles.push(target);
    }
  }
  return {
    outputDir,
    rulesFile,
    alertmanagerFile,
    dashboardFile,
    testFiles,
    alerts: alertNames(rules),
    recorded: [...recordedNames(rules)],
    panels: dashboardQueries(dashboard),
  };
}

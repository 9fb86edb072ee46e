import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertCoverage, checksFor, routeTestArgs } from './checks';

describe('monitoring checks', () => {
  it('asserts the receiver of each severity with amtool', () => {
    expect(routeTestArgs('/out/alertmanager.yml', 'backend', 'critical')).toEqual([
      'config',
      'routes',
      'test',
      '--config.file=/out/alertmanager.yml',
      '--verify.receivers=backend-critical',
      'service=backend',
      'severity=critical',
    ]);
  });

  it('runs promtool, then amtool for the config and each severity', () => {
    const checks = checksFor(
      {
        outputDir: '/out',
        rulesFile: '/out/prometheus/rules.yml',
        alertmanagerFile: '/out/alertmanager/alertmanager.yml',
        dashboardFile: '/out/grafana/backend.json',
        testFiles: ['/out/tests/a.yml'],
        alerts: [],
        recorded: [],
        panels: [],
      },
      'backend',
    );
    expect(checks.map((c) => [c.id, c.tool, c.args.slice(0, 2).join(' ')])).toEqual([
      ['promtool-check-rules', 'promtool', 'check rules'],
      ['promtool-test-rules', 'promtool', 'test rules'],
      ['amtool-check-config', 'amtool', 'check-config /out/alertmanager/alertmanager.yml'],
      ['amtool-routes-critical', 'amtool', 'config routes'],
      ['amtool-routes-warning', 'amtool', 'config routes'],
      ['amtool-routes-ticket', 'amtool', 'config routes'],
    ]);
  });

  it('counts an alert as covered only when a test sees it fire and one sees it stay quiet', () => {
    const folder = mkdtempSync(join(tmpdir(), 'monitoring-coverage-'));
    const file = join(folder, 'a.yml');
    try {
      writeFileSync(
        file,
        [
          'tests:',
          '  - alert_rule_test:',
          '      - { alertname: A, exp_alerts: [{ exp_labels: { severity: critical } }] }',
          '      - { alertname: A, exp_alerts: [] }',
          '      - { alertname: B, exp_alerts: [{ exp_labels: {} }] }',
        ].join('\n'),
      );
      expect(alertCoverage([file], ['A', 'B', 'C'])).toEqual({
        covered: ['A'],
        missing: ['B (no case where it stays quiet)', 'C (no case where it fires, no case where it stays quiet)'],
        percent: (1 / 3) * 100,
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

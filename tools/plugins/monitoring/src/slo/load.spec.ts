import { backendSloText, backendSloWith } from '../testing';
import { parseSlo, SloError } from './load';

describe('parseSlo', () => {
  it("reads the backend's SLO file: the guide's objective and three alerts", () => {
    const slo = parseSlo(backendSloText(), 'apps/backend/monitoring/slo.yml');
    expect(slo.objectives.availability).toEqual({ target: 99.9, window: '30d' });
    expect(slo.alerts).toEqual({
      errorRate: { abovePercent: 5, for: '5m', severity: 'critical' },
      latency: { percentile: 95, aboveMs: 5000, for: '10m', severity: 'warning' },
      healthCheck: { for: '1m', severity: 'critical' },
    });
  });

  it('names the file, the field and what is wrong', () => {
    const text = backendSloWith((slo) => {
      slo.alerts.errorRate.for = 'five minutes';
      slo.objectives.availability.target = 100;
    });
    expect(() => parseSlo(text, 'apps/backend/monitoring/slo.yml')).toThrow(
      'apps/backend/monitoring/slo.yml does not match the SLO schema (tools/plugins/monitoring/src/slo/schema.json):\n' +
        '  - /objectives/availability/target must be < 100\n' +
        '  - /alerts/errorRate/for must match pattern "^[0-9]+(ms|s|m|h|d)$"',
    );
  });

  it('names an unknown field and an unknown severity', () => {
    const text = backendSloWith((slo) => {
      slo.alerts.healthCheck.severity = 'page';
      slo.alerts.healthCheck.threshold = 1;
    });
    expect(() => parseSlo(text, 'slo.yml')).toThrow(
      '  - /alerts/healthCheck must NOT have additional properties "threshold"\n' +
        '  - /alerts/healthCheck/severity must be equal to one of the allowed values (critical, warning, ticket)',
    );
  });

  it('refuses a route to a receiver the file does not say how to reach', () => {
    const text = backendSloWith((slo) => {
      delete slo.notifications.slack;
    });
    expect(() => parseSlo(text, 'slo.yml')).toThrow(
      new SloError(
        'slo.yml is inconsistent:\n' +
          '  - /notifications/routes/critical/receivers names slack, but /notifications/slack is missing: add it or drop slack\n' +
          '  - /notifications/routes/warning/receivers names slack, but /notifications/slack is missing: add it or drop slack',
      ),
    );
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parseSlo('service: [backend', 'slo.yml')).toThrow(/^slo\.yml is not valid YAML: /);
  });
});

import { parseSlo } from '../slo/load';
import { backendSloText } from '../testing';
import { generateAlertmanager } from './alertmanager';

const slo = parseSlo(backendSloText(), 'slo.yml');
interface Route {
  matchers: string[];
  receiver: string;
  repeat_interval?: string;
  routes?: Route[];
}
interface Receiver {
  name: string;
  [configs: string]: unknown;
}
const config = generateAlertmanager(slo) as {
  global: Record<string, string>;
  route: Route;
  inhibit_rules: unknown[];
  receivers: Array<
    Receiver & { pagerduty_configs?: Array<Record<string, string>>; slack_configs?: Array<Record<string, string>> }
  >;
};

describe('generateAlertmanager', () => {
  it('routes each severity of the service to its own receiver', () => {
    const service = config.route.routes?.[0] as Route;
    expect(service.matchers).toEqual(['service="backend"']);
    expect((service.routes ?? []).map((r) => [r.matchers[0], r.receiver, r.repeat_interval])).toEqual([
      ['severity="critical"', 'backend-critical', '1h'],
      ['severity="warning"', 'backend-warning', '4h'],
      ['severity="ticket"', 'backend-ticket', '24h'],
    ]);
    const receiver = (name: string) => Object.keys(config.receivers.find((r) => r.name === name) ?? {}).sort();
    expect(receiver('backend-critical')).toEqual(['name', 'pagerduty_configs', 'slack_configs']);
    expect(receiver('backend-warning')).toEqual(['email_configs', 'name', 'slack_configs']);
    expect(receiver('backend-ticket')).toEqual(['email_configs', 'name', 'webhook_configs']);
  });

  it("silences a dead service's error-rate alerts while its health check fails", () => {
    expect(config.inhibit_rules[0]).toEqual({
      source_matchers: ['alertname="HealthCheckFailed"', 'service="backend"'],
      target_matchers: ['alertname=~"HighErrorRate|ErrorBudgetBurnFast|ErrorBudgetBurnSlow"', 'service="backend"'],
      equal: ['service'],
    });
  });

  it('reads every secret from a file under secretsDir, never from the config', () => {
    const text = JSON.stringify(config);
    expect(text).not.toMatch(/"(api_url|routing_key|service_key|smtp_auth_password|credentials)"/);
    expect(config.receivers[0].pagerduty_configs?.[0].routing_key_file).toBe(
      '/etc/alertmanager/secrets/pagerduty-routing-key',
    );
    expect(config.receivers[0].slack_configs?.[0].api_url_file).toBe('/etc/alertmanager/secrets/slack-webhook-url');
    expect(config.global.smtp_auth_password_file).toBe('/etc/alertmanager/secrets/smtp-password');
  });
});

import { BURN_RATE_ALERTS } from './rules';
import type { ReceiverKind, Severity, SloFile } from '../slo/types';

/** The files Alertmanager reads secrets from, under notifications.secretsDir; none is in the repository. */
export const SECRET_FILES = {
  slack: 'slack-webhook-url',
  pagerduty: 'pagerduty-routing-key',
  smtp: 'smtp-password',
  webhook: 'webhook-token',
} as const;

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'ticket'];

/** The receiver that gets one service's alerts of one severity. */
export function receiverName(service: string, severity: Severity): string {
  return `${service}-${severity}`;
}

const SLACK_TITLE =
  '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }}, {{ .CommonLabels.severity }})';
const SLACK_TEXT =
  '{{ range .Alerts }}{{ .Annotations.summary }}{{ if .Annotations.runbook_url }} <{{ .Annotations.runbook_url }}|runbook>{{ end }}\n{{ end }}';

function receiverConfigs(slo: SloFile, kinds: readonly ReceiverKind[], secret: (file: string) => string) {
  const n = slo.notifications;
  const configs: Record<string, unknown[]> = {};
  for (const kind of kinds) {
    if (kind === 'pagerduty') {
      configs.pagerduty_configs = [
        {
          routing_key_file: secret(SECRET_FILES.pagerduty),
          ...(n.pagerduty?.url ? { url: n.pagerduty.url } : {}),
          description: '{{ .CommonLabels.alertname }} ({{ .CommonLabels.service }}): {{ .CommonAnnotations.summary }}',
          severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else }}warning{{ end }}',
          send_resolved: true,
        },
      ];
    } else if (kind === 'slack') {
      configs.slack_configs = [
        {
          api_url_file: secret(SECRET_FILES.slack),
          channel: n.slack?.channel,
          title: SLACK_TITLE,
          text: SLACK_TEXT,
          send_resolved: true,
        },
      ];
    } else if (kind === 'email') {
      configs.email_configs = [{ to: n.email?.to, send_resolved: true }];
    } else {
      configs.webhook_configs = [
        {
          url: n.webhook?.url,
          send_resolved: true,
          http_config: { authorization: { type: 'Bearer', credentials_file: secret(SECRET_FILES.webhook) } },
        },
      ];
    }
  }
  return configs;
}

/**
 * The Alertmanager configuration for one service: a route per severity under the service's route,
 * each to one receiver holding that severity's channels; "service down" inhibits the same
 * service's error-rate alerts (a dead service's errors are one incident, not three).
 */
export function generateAlertmanager(slo: SloFile): Record<string, unknown> {
  const n = slo.notifications;
  const secret = (file: string) => `${n.secretsDir}/${file}`;
  const service = slo.service;
  const global: Record<string, unknown> = { resolve_timeout: '5m' };
  if (n.email) {
    Object.assign(global, {
      smtp_smarthost: n.email.smarthost,
      smtp_from: n.email.from,
      ...(n.email.username ? { smtp_auth_username: n.email.username } : {}),
      smtp_auth_password_file: secret(SECRET_FILES.smtp),
      smtp_require_tls: true,
    });
  }
  const routes = SEVERITIES.map((severity) => {
    const r = n.routes[severity];
    return {
      matchers: [`severity="${severity}"`],
      receiver: receiverName(service, severity),
      ...(r.groupWait ? { group_wait: r.groupWait } : {}),
      ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
      ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
    };
  });
  const errorRateAlerts = ['HighErrorRate', ...BURN_RATE_ALERTS.map((a) => a.alert)];
  return {
    global,
    route: {
      // Alerts no route matches still reach someone: the ticket channel of the service.
      receiver: receiverName(service, 'ticket'),
      group_by: n.groupBy ?? ['alertname', 'service'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [{ matchers: [`service="${service}"`], routes }],
    },
    inhibit_rules: [
      {
        source_matchers: ['alertname="HealthCheckFailed"', `service="${service}"`],
        target_matchers: [`alertname=~"${errorRateAlerts.join('|')}"`, `service="${service}"`],
        equal: ['service'],
      },
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity=~"warning|ticket"'],
        equal: ['alertname', 'service'],
      },
    ],
    receivers: SEVERITIES.map((severity) => ({
      name: receiverName(service, severity),
      ...receiverConfigs(slo, n.routes[severity].receivers, secret),
    })),
  };
}

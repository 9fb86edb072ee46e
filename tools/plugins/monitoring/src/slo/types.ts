/** One service's monitoring/slo.yml, as its schema (schema.json) describes it. */
export type Severity = 'critical' | 'warning' | 'ticket';
export type ReceiverKind = 'pagerduty' | 'slack' | 'email' | 'webhook';

export interface SeverityRoute {
  receivers: ReceiverKind[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

export interface SloMetrics {
  requests: string;
  statusLabel: string;
  latencyBucket: string;
  answerLatencyBucket?: string;
  providerErrors?: string;
  retrievalHits?: string;
  processCpu?: string;
  processMemory?: string;
  dbPoolSize?: string;
  dbPoolCheckedOut?: string;
  dbPoolWaitBucket?: string;
}

export interface SloFile {
  service: string;
  selector: string;
  /** The labels that name a release (default [release]); the release-level rules keep them. */
  releases?: { labels: string[] };
  runbook?: string;
  metrics: SloMetrics;
  health: { path: string; probeJob: string };
  objectives: {
    availability: { target: number; window: string };
    latency: { percentile: number; thresholdMs: number };
  };
  alerts: {
    errorRate: { abovePercent: number; for: string; severity: Severity };
    latency: { percentile: number; aboveMs: number; for: string; severity: Severity };
    healthCheck: { for: string; severity: Severity };
  };
  notifications: {
    groupBy?: string[];
    secretsDir: string;
    routes: Record<Severity, SeverityRoute>;
    slack?: { channel: string };
    pagerduty?: { url?: string };
    email?: { to: string; from: string; smarthost: string; username?: string };
    webhook?: { url: string };
  };
}

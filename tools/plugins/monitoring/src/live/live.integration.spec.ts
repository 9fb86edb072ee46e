import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SECRET_FILES } from '../generate/alertmanager';
import { buildMonitoring, type BuiltMonitoring } from '../generate/build';
import { freePort, loadScenario, startService, type StartedService } from '../shared';
import { parseSlo } from '../slo/load';
import { BACKEND_TESTS, backendSloWith, WORKSPACE_ROOT } from '../testing';
import { startDaemon, type Daemon } from './daemon';
import { startReceiver, type LocalReceiver, type Received } from './receiver';

/**
 * The live proof, on loopback: the backend (started as its perf target starts it), the blackbox
 * exporter probing its /health, Prometheus loading the rules generated from apps/backend/monitoring/slo.yml
 * (scrape and evaluation every second; the alerts' own `for` durations unchanged), Alertmanager with
 * the generated config, and a local receiver speaking Slack's and PagerDuty's formats. The only
 * overrides are where notifications go: the secret files (Slack URL, PagerDuty routing key) and the
 * PagerDuty, webhook and SMTP endpoints.
 *
 * Bounds: HealthCheckFailed has `for: 1m` and the critical route waits 10 s (group_wait), so the page
 * must arrive within FIRE_BOUND_S of stopping the backend; the resolution goes out at the group's next
 * flush (group_interval 1m), so within RESOLVE_BOUND_S of the restart.
 */
const FIRE_BOUND_S = 150;
const RESOLVE_BOUND_S = 150;
const ROUTING_KEY = 'live-proof-routing-key-0123456789ab';
const REPORTS = join(WORKSPACE_ROOT, 'reports/tools/plugins/monitoring/integration');

describe('live alerting proof (Prometheus, Alertmanager, blackbox exporter, backend, local receiver)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-monitoring-live-'));
  const daemons: Daemon[] = [];
  const backends: StartedService[] = [];
  let receiver: LocalReceiver | undefined;
  let prometheusUrl = '';
  let built: BuiltMonitoring;
  const started = Date.now();
  const stage = (what: string) => console.log(`[live +${((Date.now() - started) / 1000).toFixed(1)}s] ${what}`);

  const scenario = loadScenario(join(WORKSPACE_ROOT, 'apps/backend/perf/load.yml'), 'apps/backend/perf/load.yml', 'ci');
  const startBackend = async () => {
    const spec = scenario.service;
    if (!spec)
      throw new Error('apps/backend/perf/load.yml has no service section: the live proof starts the backend from it.');
    // The scenario's own readiness wait (60 s) with more patience: the proof runs beside other
    // heavy tests on shared CI machines, where a cold start has taken longer.
    const backend = await startService(
      { ...spec, readinessTimeoutS: Math.max(spec.readinessTimeoutS, 180) },
      {
        projectRoot: join(WORKSPACE_ROOT, 'apps/backend'),
        pathPrepend: [join(WORKSPACE_ROOT, '.venv/bin')],
        logFile: join(tmp, 'backend.log'),
      },
    );
    backends.push(backend);
    return backend;
  };
  /** Points Prometheus (file_sd, re-read within a second) at the backend's current port. */
  const target = (backend: StartedService) => {
    const write = (name: string, targets: string[]) => {
      writeFileSync(join(tmp, `${name}.tmp`), JSON.stringify([{ targets }]));
      renameSync(join(tmp, `${name}.tmp`), join(tmp, name));
    };
    write('backend.json', [backend.url.replace('http://', '')]);
    write('health.json', [`${backend.url}/health`]);
  };
  const query = async (expr: string): Promise<number | null> => {
    const url = new URL('/api/v1/query', prometheusUrl);
    url.searchParams.set('query', expr);
    const body = (await (await fetch(url)).json()) as { data: { result: Array<{ value: [number, string] }> } };
    const value = body.data.result[0]?.value[1];
    return value === undefined ? null : Number(value);
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    stage(`receiver on ${receiver.url}`);
    const backend = await startBackend();
    stage(`backend ready on ${backend.url}`);

    const [blackboxPort, alertmanagerPort, prometheusPort, closedPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const secrets = join(tmp, 'secrets');
    mkdirSync(secrets);
    writeFileSync(join(secrets, SECRET_FILES.slack), receiver.slackUrl);
    writeFileSync(join(secrets, SECRET_FILES.pagerduty), ROUTING_KEY);
    writeFileSync(join(secrets, SECRET_FILES.smtp), 'unused');
    writeFileSync(join(secrets, SECRET_FILES.webhook), 'unused');
    const local = receiver;
    const slo = parseSlo(
      backendSloWith((s) => {
        s.notifications.secretsDir = secrets;
        s.notifications.pagerduty.url = local.pagerdutyUrl;
        s.notifications.webhook.url = local.webhookUrl;
        s.notifications.email.smarthost = `127.0.0.1:${closedPort}`;
      }),
      'apps/backend/monitoring/slo.yml (live overrides)',
    );
    built = buildMonitoring(slo, 'apps/backend/monitoring/slo.yml', BACKEND_TESTS, join(tmp, 'out'));
    target(backend);

    writeFileSync(
      join(tmp, 'blackbox.yml'),
      stringify({ modules: { http_2xx: { prober: 'http', timeout: '1s', http: { preferred_ip_protocol: 'ip4' } } } }),
    );
    daemons.push(
      await startDaemon(
        'prometheus-blackbox-exporter',
        [`--config.file=${join(tmp, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${blackboxPort}`],
        { cwd: tmp, logFile: join(tmp, 'blackbox.log'), readyUrl: `http://127.0.0.1:${blackboxPort}/-/healthy` },
      ),
    );
    stage('blackbox exporter ready');
    daemons.push(
      await startDaemon(
        'prometheus-alertmanager',
        [
          `--config.file=${built.alertmanagerFile}`,
          `--storage.path=${join(tmp, 'alertmanager')}`,
          `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
          `--web.external-url=http://127.0.0.1:${alertmanagerPort}`,
          // No cluster: nothing listens beyond the one loopback port.
          '--cluster.listen-address=',
        ],
        {
          cwd: tmp,
          logFile: join(tmp, 'alertmanager.log'),
          readyUrl: `http://127.0.0.1:${alertmanagerPort}/-/ready`,
        },
      ),
    );
    stage('alertmanager ready');
    writeFileSync(
      join(tmp, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: [built.rulesFile],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }] },
        scrape_configs: [
          { job_name: 'backend', file_sd_configs: [{ files: [join(tmp, 'backend.json')], refresh_interval: '1s' }] },
          {
            job_name: slo.health.probeJob,
            metrics_path: '/probe',
            params: { module: ['http_2xx'] },
            file_sd_configs: [{ files: [join(tmp, 'health.json')], refresh_interval: '1s' }],
            relabel_configs: [
              { source_labels: ['__address__'], target_label: '__param_target' },
              { source_labels: ['__param_target'], target_label: 'instance' },
              { target_label: '__address__', replacement: `127.0.0.1:${blackboxPort}` },
            ],
          },
        ],
      }),
    );
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    daemons.push(
      await startDaemon(
        'prometheus',
        [
          `--config.file=${join(tmp, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(tmp, 'prometheus')}`,
          `--web.listen-address=127.0.0.1:${prometheusPort}`,
          `--web.external-url=${prometheusUrl}`,
        ],
        { cwd: tmp, logFile: join(tmp, 'prometheus.log'), readyUrl: `${prometheusUrl}/-/ready` },
      ),
    );
    stage('prometheus ready');
  }, 180_000);

  afterAll(async () => {
    // Everything started here stops, also when a step above failed.
    await Promise.allSettled([...daemons.reverse().map((d) => d.stop()), ...backends.map((b) => b.stop())]);
    await receiver?.close();
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('pages PagerDuty and Slack when the backend stops, and sends the resolution when it is back', async () => {
    const local = receiver as LocalReceiver;
    // The rules evaluate on the backend's real metrics before anything is stopped.
    const deadline = Date.now() + 60_000;
    while (
      (await query('service:probe_success:min{service="backend"}')) !== 1 ||
      (await query('service:http_requests:rate5m{service="backend"}')) === null
    ) {
      if (Date.now() > deadline)
        throw new Error(`The recorded series did not appear within 60s; see ${tmp}/prometheus.log`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const recorded: Record<string, number | null> = {};
    for (const name of built.recorded) recorded[name] = await query(`${name}{service="backend"}`);
    stage(
      `rules evaluate: probe_success 1, ${Object.values(recorded).filter((v) => v !== null).length}/${built.recorded.length} recorded series have data`,
    );

    const stoppedAt = Date.now();
    await backends[0].stop();
    stage('backend stopped');
    const isTrigger = (r: Received) => r.kind === 'pagerduty' && r.body.event_action === 'trigger';
    const page = await local.waitFor('PagerDuty trigger', isTrigger, FIRE_BOUND_S * 1000);
    const firing = await local.waitFor(
      'Slack firing message',
      (r) => r.kind === 'slack' && JSON.stringify(r.body).includes('[FIRING]'),
      30_000,
    );
    stage(
      `PagerDuty trigger ${((page.at - stoppedAt) / 1000).toFixed(1)}s after the stop (bound ${FIRE_BOUND_S}s), Slack ${((firing.at - stoppedAt) / 1000).toFixed(1)}s`,
    );

    expect(page.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: expect.any(String),
      payload: {
        summary: 'HealthCheckFailed (backend): backend: health check /health failed for 1m',
        severity: 'critical',
        source: expect.any(String),
      },
    });
    expect(firing.body).toMatchObject({
      channel: '#customercare-alerts',
      attachments: [
        expect.objectContaining({
          title: '[FIRING] HealthCheckFailed (backend, critical)',
          text: 'backend: health check /health failed for 1m\n',
        }),
      ],
    });

    const backend = await startBackend();
    target(backend);
    const restartedAt = Date.now();
    stage(`backend restarted on ${backend.url}`);
    const resolved = await local.waitFor(
      'PagerDuty resolve',
      (r) => r.kind === 'pagerduty' && r.body.event_action === 'resolve',
      RESOLVE_BOUND_S * 1000,
    );
    const slackResolved = await local.waitFor(
      'Slack resolved message',
      (r) => r.kind === 'slack' && JSON.stringify(r.body).includes('[RESOLVED]'),
      30_000,
    );
    stage(
      `PagerDuty resolve ${((resolved.at - restartedAt) / 1000).toFixed(1)}s after the restart (bound ${RESOLVE_BOUND_S}s), Slack ${((slackResolved.at - restartedAt) / 1000).toFixed(1)}s`,
    );
    expect(resolved.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: page.body.dedup_key,
    });
    expect(slackResolved.body).toMatchObject({
      attachments: [expect.objectContaining({ title: '[RESOLVED] HealthCheckFailed (backend, critical)' })],
    });
    // No other alert reached anyone: the stop was one incident.
    expect(
      local.received.map(
        (r) =>
          `${r.kind} ${JSON.stringify(r.body).match(/HealthCheckFailed|HighErrorRate|ErrorBudgetBurn\w+|HighLatency/)?.[0]}`,
      ),
    ).toEqual(local.received.map((r) => `${r.kind} HealthCheckFailed`));

    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(
      join(REPORTS, 'live-notifications.json'),
      `${JSON.stringify(
        {
          timings: {
            pageAfterStopS: (page.at - stoppedAt) / 1000,
            slackFiringAfterStopS: (firing.at - stoppedAt) / 1000,
            resolveAfterRestartS: (resolved.at - restartedAt) / 1000,
            slackResolvedAfterRestartS: (slackResolved.at - restartedAt) / 1000,
          },
          recorded,
          received: local.received.map((r) => ({ kind: r.kind, body: r.body })),
        },
        null,
        2,
      )}\n`,
    );
  }, 420_000);
});

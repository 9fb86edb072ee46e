import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMonitoring } from '../../generate/build';
import { fixtureContext, workspaceWith } from '../../shared';
import { parseSlo } from '../../slo/load';
import { BACKEND_TESTS, backendSloText, backendSloWith, WORKSPACE_ROOT } from '../../testing';
import { checksFor } from './checks';
import monitoringExecutor, { runChecks } from './executor';

/**
 * The real promtool and amtool over the backend's real SLO file and tests, copied into a throw-away
 * workspace (project `fixture` at apps/fixture), then with one violation seeded at a time.
 */
function workspace(slo: string): string {
  return workspaceWith(
    {
      'gates.json': readFileSync(join(WORKSPACE_ROOT, 'gates.json'), 'utf8'),
      'apps/fixture/project.json': '{}',
      'apps/fixture/monitoring/slo.yml': slo,
      'apps/fixture/monitoring/tests/alerts.test.yml': readFileSync(join(BACKEND_TESTS, 'alerts.test.yml'), 'utf8'),
      'apps/fixture/monitoring/tests/release-rules.test.yml': readFileSync(
        join(BACKEND_TESTS, 'release-rules.test.yml'),
        'utf8',
      ),
    },
    'nx-monitoring-exec-',
  );
}

function junitOf(root: string): string {
  return readFileSync(join(root, 'reports/apps/fixture/monitoring/junit.xml'), 'utf8');
}

function gateResults(root: string): Array<{ gate: string; passed: boolean; measured: unknown; reason?: string }> {
  return JSON.parse(readFileSync(join(root, 'reports/apps/fixture/monitoring/gate-results.json'), 'utf8'));
}

describe('monitoring executor (promtool, amtool)', () => {
  const roots: string[] = [];
  const run = async (slo: string) => {
    const root = workspace(slo);
    roots.push(root);
    const result = await monitoringExecutor({}, fixtureContext(root));
    return { root, result };
  };
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it("passes on the backend's SLO file: rules check, every alert tested, each severity routed", async () => {
    const { root, result } = await run(backendSloText());
    expect(result).toEqual({ success: true });
    expect(gateResults(root)).toEqual([
      expect.objectContaining({ gate: 'monitoring', passed: true, measured: '8/8 checks' }),
      expect.objectContaining({ gate: 'monitoring-alert-tests', passed: true, measured: 100 }),
    ]);
    expect(readFileSync(join(root, 'reports/apps/fixture/monitoring/promtool-test-rules.txt'), 'utf8')).toContain(
      'SUCCESS',
    );
  });

  it('fails on bad PromQL (promtool check rules)', async () => {
    // An unbalanced regex group in the selector reaches every recording rule.
    const { root, result } = await run(backendSloWith((slo) => (slo.selector = 'job=~"(backend"')));
    expect(result).toEqual({ success: false });
    expect(junitOf(root)).toMatch(/name="promtool-check-rules"[^>]*>\s*<failure message="promtool exited 1/);
  });

  it('fails when a promtool test expectation no longer holds (the error-rate threshold moved)', async () => {
    const { root, result } = await run(backendSloWith((slo) => (slo.alerts.errorRate.abovePercent = 15)));
    expect(result).toEqual({ success: false });
    expect(junitOf(root)).toMatch(/name="promtool-test-rules"[^>]*>\s*<failure/);
    expect(readFileSync(join(root, 'reports/apps/fixture/monitoring/promtool-test-rules.txt'), 'utf8')).toContain(
      'alertname: HighErrorRate',
    );
    expect(gateResults(root)[0]).toMatchObject({ gate: 'monitoring', passed: false });
  });

  it('fails when a release-level rule the canary reads no longer holds (releases.labels drops slot)', async () => {
    const { root, result } = await run(backendSloWith((slo) => (slo.releases = { labels: ['release'] })));
    expect(result).toEqual({ success: false });
    expect(junitOf(root)).toMatch(/name="promtool-test-rules"[^>]*>\s*<failure/);
    const said = readFileSync(join(root, 'reports/apps/fixture/monitoring/promtool-test-rules.txt'), 'utf8');
    expect(said).toContain('release-rules.test.yml');
    expect(said).toContain('expr: "release:http_requests:rate1m"');
  });

  it('fails when the alert tests do not cover the gate (gates.json monitoring.alertTestCoverage)', async () => {
    const tests = readFileSync(join(BACKEND_TESTS, 'alerts.test.yml'), 'utf8');
    const root = workspace(backendSloText());
    roots.push(root);
    // The quiet cases of HighLatency removed: it is tested one way only.
    const quiet = / {6}- eval_time: \d+m\n {8}alertname: HighLatency\n {8}exp_alerts: \[\]\n/g;
    expect(tests.match(quiet)).toHaveLength(2);
    writeFileSync(join(root, 'apps/fixture/monitoring/tests/alerts.test.yml'), tests.replace(quiet, ''));
    const result = await monitoringExecutor({}, fixtureContext(root));
    expect(result).toEqual({ success: false });
    expect(gateResults(root)[1]).toMatchObject({
      gate: 'monitoring-alert-tests',
      passed: false,
      measured: 80,
      reason: 'untested: HighLatency (no case where it stays quiet)',
    });
    // The same tests pass a project whose gate asks for 80 %.
    const gates = JSON.parse(readFileSync(join(root, 'gates.json'), 'utf8'));
    gates.projects = { ...gates.projects, fixture: { monitoring: { alertTestCoverage: 80 } } };
    writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
    expect(await monitoringExecutor({}, fixtureContext(root))).toEqual({ success: true });
  });

  it('fails when an Alertmanager route sends critical alerts to the wrong receiver (amtool config routes test)', async () => {
    const root = workspace(backendSloText());
    roots.push(root);
    const out = join(root, 'out');
    const built = buildMonitoring(parseSlo(backendSloText(), 'slo.yml'), 'slo.yml', join(root, 'none'), out);
    writeFileSync(
      built.alertmanagerFile,
      readFileSync(built.alertmanagerFile, 'utf8').replace(
        'severity="critical"\n          receiver: backend-critical',
        'severity="critical"\n          receiver: backend-warning',
      ),
    );
    const outcomes = await runChecks(checksFor(built, 'backend'), join(root, 'reports'));
    expect(outcomes.map((o) => [o.check.id, o.passed])).toEqual([
      ['promtool-check-rules', true],
      ['amtool-check-config', true],
      ['amtool-routes-critical', false],
      ['amtool-routes-warning', true],
      ['amtool-routes-ticket', true],
    ]);
    expect(readFileSync(join(root, 'reports/amtool-routes-critical.txt'), 'utf8')).toContain('backend-warning');
  });
});

/**
 * The canary's two query forms on the same data, with a real Prometheus on loopback: the recorded
 * release-level rules (a Prometheus that evaluates the rendered rule file, as the local provider's
 * does) and the same rules' exprs inlined as subqueries (analysis.rules: inline, for an endpoint that
 * evaluates no rule file, as Google Managed Prometheus' PromQL API). Both must measure the same
 * and give the same verdicts; a second Prometheus without the rule file stands in for Managed
 * Prometheus: preflight names the missing rule evaluation there, and the inlined queries still judge.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSlo, renderRules } from '@customercare/nx-monitoring/lib';
import {
  executorTools,
  freePort,
  resolveTool,
  startProcess,
  waitFor,
  type StartedProcess,
} from '@customercare/nx-core';
import { analyse, createPromQuery, type ReleaseMeasurement } from './analysis';
import { resolveEnvironment, type AnalysisConfig } from './config';
import { startLoad, type Load } from './load';
import { checkStableSeries } from './preflight';
import { prometheusConfig, targetsFile } from './providers/local/prometheus';
import type { DeploySlo } from './slo';

// Not a skip: without Prometheus there is no proof; missing, it fails here with the fix.
resolveTool('prometheus', executorTools());

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..');
const BACKEND_SLO = 'apps/backend/monitoring/slo.yml';
const APP = join(__dirname, 'fixtures', 'app', 'server.mjs');
/** The local provider's rules: five 1 s scrapes per rate window, evaluated every second. */
const slo: DeploySlo = { file: BACKEND_SLO, spec: loadSlo(join(WORKSPACE_ROOT, BACKEND_SLO)), window: '5s' };
/** The step window judged: 20 s of steady load, after the rules' first window. */
const W = 20;

const analysis = (rules: AnalysisConfig['rules']): AnalysisConfig => ({
  ...resolveEnvironment(
    { service: 'backend', environments: { staging: { provider: 'local', local: { command: ['x'] } } } },
    'staging',
    { perf: { p95Ms: 500, errorRate: 0.05 } },
    'deploy.yml',
  ).analysis,
  minSamples: 20,
  rules,
  inlineStepMs: 1_000,
});

describe('canary queries: recorded rules and inlined rules on the same data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canary-inline-'));
  const started: StartedProcess[] = [];
  let load: Load | undefined;
  let withRules = '';
  let withoutRules = '';
  const v2 = { prometheus: '', appSelector: 'release="v2",slot="blue"' };
  const v3 = { prometheus: '', appSelector: 'release="v3",slot="green"' };

  async function prometheus(name: string, rules: boolean, targets: string): Promise<string> {
    const port = await freePort();
    const config = join(dir, `${name}.yml`);
    writeFileSync(join(dir, 'rules.yml'), renderRules(slo.spec, slo.file, { releaseWindow: slo.window }));
    writeFileSync(
      config,
      prometheusConfig({
        scrapeIntervalMs: 1_000,
        statsPort: await freePort(),
        targetsFile: targets,
        rulesFile: rules ? join(dir, 'rules.yml') : undefined,
      }),
    );
    started.push(
      await startProcess(
        {
          label: `prometheus (${name})`,
          command: 'prometheus',
          args: [
            `--config.file=${config}`,
            `--storage.tsdb.path=${join(dir, `${name}-data`)}`,
            `--web.listen-address=127.0.0.1:${port}`,
          ],
          cwd: dir,
        },
        { output: { file: join(dir, `${name}.log`) } },
      ),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`Prometheus (${name}) did not become ready`, 30_000, async () => (await fetch(`${url}/-/ready`)).ok);
    return url;
  }

  beforeAll(async () => {
    const ports = { v2: await freePort(), v3: await freePort() };
    for (const [release, port] of Object.entries(ports)) {
      started.push(
        await startProcess(
          {
            label: `fixture app ${release}`,
            command: process.execPath,
            args: [APP, '--release', release],
            cwd: dir,
            env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
          },
          { output: 'capture' },
        ),
      );
      await waitFor(
        `the fixture app ${release} did not answer`,
        10_000,
        async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
      );
    }
    const targets = join(dir, 'targets.json');
    writeFileSync(
      targets,
      targetsFile([
        { port: ports.v2, labels: { release: 'v2', slot: 'blue', job: 'backend' } },
        { port: ports.v3, labels: { release: 'v3', slot: 'green', job: 'backend' } },
      ]),
    );
    withRules = await prometheus('with-rules', true, targets);
    withoutRules = await prometheus('without-rules', false, targets);
    load = startLoad([`http://127.0.0.1:${ports.v2}/`, `http://127.0.0.1:${ports.v3}/`], {
      concurrency: 2,
      gapMs: 20,
      maxMs: 180_000,
    });
    // The step window, plus a rule window and a few scrapes, before the recorded series cover it.
    await sleep((W + 5 + 3) * 1000);
    await waitFor('the recorded request rate of v3 did not cover the window', 60_000, async () => {
      const evaluations = await createPromQuery()(
        withRules,
        `count_over_time(release:http_requests:rate5s{release="v3"}[${W}s])`,
      );
      return evaluations !== null && evaluations >= W - 2;
    });
  }, 180_000);

  afterAll(async () => {
    await load?.stop();
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('measure the same requests, errors and p95, and give the same verdicts', async () => {
    // One instant for both forms: two seconds back, so the rules have been evaluated up to it.
    const at = Math.floor(Date.now() / 1000) - 2;
    const query = createPromQuery(undefined, at);
    const judge = (rules: AnalysisConfig['rules'], candidate: typeof v2, stable: typeof v2) =>
      analyse(
        query,
        { ...candidate, prometheus: withRules },
        { ...stable, prometheus: withRules },
        slo,
        analysis(rules),
        W,
      );
    /** |a - b| / b, and 1 (far apart) when either is missing. */
    const apart = (a: number | null, b: number | null) =>
      a === null || b === null || b === 0 ? 1 : Math.abs(a - b) / b;
    const close = (inlined: ReleaseMeasurement, recorded: ReleaseMeasurement) => {
      // Subquery points fall on multiples of the step, the rules' evaluations a little off them:
      // over a steady load, the two averages agree to a few percent.
      expect(apart(inlined.requests, recorded.requests)).toBeLessThan(0.1);
      expect(Math.abs((inlined.errorRatio ?? 0) - (recorded.errorRatio ?? 0))).toBeLessThan(0.05);
      expect(apart(inlined.p95Ms, recorded.p95Ms)).toBeLessThan(0.1);
    };
    const broken = { recorded: await judge('evaluated', v3, v2), inlined: await judge('inline', v3, v2) };
    const good = { recorded: await judge('evaluated', v2, v3), inlined: await judge('inline', v2, v3) };
    // What the report shows: the inlined queries read no recorded series.
    expect(broken.inlined.queries.join('\n')).not.toMatch(/release:/);
    expect(broken.recorded.queries.join('\n')).toMatch(/release:http_requests:rate5s/);
    expect(broken.recorded.status).toBe('fail');
    expect(broken.inlined.status).toBe('fail');
    expect(broken.inlined.reasons[0]).toMatch(/^error ratio /);
    expect(good.recorded.status).toBe('pass');
    expect(good.inlined.status).toBe('pass');
    close(broken.inlined.candidate, broken.recorded.candidate);
    close(good.inlined.candidate, good.recorded.candidate);
    const line = (what: string, m: ReleaseMeasurement) =>
      `${what}: ${m.requests} requests, ${m.errors} errors, p95 ${m.p95Ms?.toFixed(2)} ms`;
    process.stdout.write(
      `[canary inline] at ${at}, W=${W}s:\n  ${[
        line('v3 recorded', broken.recorded.candidate),
        line('v3 inlined', broken.inlined.candidate),
        line('v2 recorded', good.recorded.candidate),
        line('v2 inlined', good.inlined.candidate),
      ].join('\n  ')}\n`,
    );
    // v3 fails every other request.
    expect(broken.inlined.candidate.errorRatio).toBeGreaterThan(0.4);
    expect(broken.inlined.candidate.errorRatio).toBeLessThan(0.6);
  });

  it('without the rule file: preflight names the missing rule evaluation, and the inlined rules still judge', async () => {
    const production = {
      ...resolveEnvironment(
        { service: 'backend', environments: { production: { provider: 'vercel', url: 'https://x.example' } } },
        'production',
        { perf: { p95Ms: 500, errorRate: 0.05 } },
        'deploy.yml',
      ),
    };
    const query = createPromQuery();
    const stable = { ...v2, prometheus: withoutRules };
    const evaluated = { ...production, analysis: analysis('evaluated') };
    await expect(checkStableSeries(evaluated, query, stable, 'v2', slo)).rejects.toThrow(
      `the canary's request count for the stable release v2 (release="v2",slot="blue") has no series at ${withoutRules} over the last 10 minutes`,
    );
    await expect(checkStableSeries(evaluated, query, stable, 'v2', slo)).rejects.toThrow(
      'Its metrics are there, but nothing evaluates the release-level recording rules (release:http_requests:rate5s has no series',
    );
    const inline = { ...production, analysis: analysis('inline') };
    await expect(checkStableSeries(inline, query, stable, 'v2', slo)).resolves.toBeUndefined();
    // A release that never ran has no series either way: the message names the metrics instead.
    await expect(
      checkStableSeries(inline, query, { ...stable, appSelector: 'release="v0",slot="blue"' }, 'v0', slo),
    ).rejects.toThrow('No ccg_http_requests_total{job="backend",release="v0",slot="blue"} series reach it');

    const recorded = await analyse(query, { ...v3, prometheus: withoutRules }, stable, slo, analysis('evaluated'), W);
    const inlined = await analyse(query, { ...v3, prometheus: withoutRules }, stable, slo, analysis('inline'), W);
    expect(recorded.status).toBe('inconclusive');
    expect(inlined.status).toBe('fail');
    expect(inlined.candidate.requests).toBeGreaterThanOrEqual(20);
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { prometheusQueryFor, queryUrl } from './analysis';
import { resolveEnvironment, type RawDeployConfig } from './config';
import { join } from 'node:path';
import { loadSlo } from '@customercare/nx-monitoring/lib';
import { checkPrometheusReachable, checkRunnerSecrets, checkStableSeries } from './preflight';
import type { CommandRunner } from './providers/cli';

const GATES = { perf: { errorRate: 0.01, p95Ms: 500 } };

function environment(extra: object = {}) {
  const raw = {
    service: 'web',
    environments: { production: { provider: 'vercel', url: 'https://web.example', ...extra } },
  } as RawDeployConfig;
  return resolveEnvironment(raw, 'production', GATES, 'web/deploy.yml');
}

describe('preflight: the runner secrets', () => {
  const env = environment({
    runnerSecrets: {
      VERCEL_TOKEN: 'the GitHub environment secret VERCEL_TOKEN of production',
      VERCEL_ORG_ID: 'the GitHub environment variable VERCEL_ORG_ID',
    },
  });

  it('refuses, naming each unset variable and where it comes from', () => {
    expect(() => checkRunnerSecrets(env, { VERCEL_ORG_ID: 'team_1' })).toThrow(
      'VERCEL_TOKEN is not set, and the production deploy needs it: VERCEL_TOKEN comes from the GitHub environment secret VERCEL_TOKEN of production. ' +
        "Add it there (cd.yml hands the GitHub environment's secrets to the deploy step), or export it for a deploy by hand.",
    );
    expect(() => checkRunnerSecrets(env, {})).toThrow(/^VERCEL_TOKEN, VERCEL_ORG_ID are not set/);
  });

  it('passes when every one is set (an empty value counts as unset)', () => {
    expect(() => checkRunnerSecrets(env, { VERCEL_TOKEN: 't', VERCEL_ORG_ID: 'o' })).not.toThrow();
    expect(() => checkRunnerSecrets(env, { VERCEL_TOKEN: '', VERCEL_ORG_ID: 'o' })).toThrow(/^VERCEL_TOKEN is not set/);
  });
});

describe('preflight: the query endpoint', () => {
  it('refuses an endpoint the runner cannot query, naming it and the setting', async () => {
    const env = environment({ analysis: { prometheus: 'http://prometheus-frontend.monitoring.svc:9090' } });
    const unreachable = async () => {
      throw new Error('getaddrinfo ENOTFOUND prometheus-frontend.monitoring.svc');
    };
    await expect(checkPrometheusReachable(env, unreachable)).rejects.toThrow(
      'the canary analysis cannot query http://prometheus-frontend.monitoring.svc:9090 (environments.production.analysis.prometheus): ' +
        'getaddrinfo ENOTFOUND prometheus-frontend.monitoring.svc. Set analysis.prometheus to a Prometheus-compatible query endpoint the deploy runner can reach',
    );
  });

  it('refuses an endpoint that does not evaluate PromQL, and accepts one that does', async () => {
    const env = environment({ analysis: { prometheus: 'https://example.com' } });
    await expect(checkPrometheusReachable(env, async () => null)).rejects.toThrow(
      'https://example.com (environments.production.analysis.prometheus) answered vector(1) with null, so it is not a PromQL endpoint.',
    );
    await expect(checkPrometheusReachable(env, async () => 1)).resolves.toBeUndefined();
  });

  it('does nothing when the environment names no endpoint (the local provider runs its own)', async () => {
    const never = async (): Promise<number> => {
      throw new Error('not called');
    };
    await expect(checkPrometheusReachable(environment(), never)).resolves.toBeUndefined();
  });
});

describe('the analysis query', () => {
  const GMP = 'https://monitoring.googleapis.com/v1/projects/acme/location/global/prometheus';

  it("keeps the base URL's path (Google Managed Prometheus has one)", () => {
    expect(queryUrl(GMP, 'vector(1)').toString()).toBe(`${GMP}/api/v1/query?query=vector%281%29`);
    expect(queryUrl('http://127.0.0.1:9090/', 'up').toString()).toBe('http://127.0.0.1:9090/api/v1/query?query=up');
  });

  describe('against a loopback endpoint that wants a bearer token', () => {
    let server: Server;
    let base: string;
    const seen: IncomingHttpHeaders[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(req.headers);
        if (req.headers.authorization !== 'Bearer ya29.token-1') {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(
            JSON.stringify({ error: { code: 401, message: 'Request had invalid authentication credentials.' } }),
          );
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ value: [0, '1'] }] } }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/projects/acme/location/global/prometheus`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => (seen.length = 0));

    const gcloud = (tokens: string[]) => {
      const calls: string[][] = [];
      const run: CommandRunner = async (argv) => {
        calls.push(argv);
        return { exitCode: 0, stdout: `${tokens[Math.min(calls.length, tokens.length) - 1]}\n`, stderr: '' };
      };
      return { run, calls };
    };

    it('with auth: gcloud, sends the token gcloud prints, asking gcloud once per ten minutes', async () => {
      const env = environment({ analysis: { prometheus: base, auth: 'gcloud' } });
      const { run, calls } = gcloud(['ya29.token-1', 'ya29.token-2']);
      let now = 0;
      const query = prometheusQueryFor(env, run, () => now);
      expect(await query(base, 'vector(1)')).toBe(1);
      now = 9 * 60_000;
      expect(await query(base, 'vector(1)')).toBe(1);
      expect(calls).toEqual([['gcloud', 'auth', 'print-access-token', '--quiet']]);
      expect(seen.map((h) => h.authorization)).toEqual(['Bearer ya29.token-1', 'Bearer ya29.token-1']);
      now = 11 * 60_000;
      await expect(query(base, 'vector(1)')).rejects.toThrow(
        'Prometheus rejected vector(1) (HTTP 401): Request had invalid authentication credentials.',
      );
      expect(calls).toHaveLength(2);
    });

    it('without auth sends no header, and the 401 reaches preflight with the fix', async () => {
      const env = environment({ analysis: { prometheus: base } });
      await expect(checkPrometheusReachable(env, prometheusQueryFor(env, gcloud([]).run))).rejects.toThrow(
        /cannot query .* Prometheus rejected vector\(1\) \(HTTP 401\): Request had invalid authentication credentials\. .*with analysis\.auth: gcloud for Google Managed Prometheus/,
      );
      expect(seen[0].authorization).toBeUndefined();
    });

    it('says how to authenticate when gcloud has no credentials', async () => {
      const env = environment({ analysis: { prometheus: base, auth: 'gcloud' } });
      const run: CommandRunner = async () => ({
        exitCode: 1,
        stdout: '',
        stderr: 'ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected.',
      });
      await expect(prometheusQueryFor(env, run)(base, 'vector(1)')).rejects.toThrow(
        'gcloud auth print-access-token failed (exit 1): ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected. ' +
          'environments.production.analysis.auth is gcloud: authenticate first (in CI, google-github-actions/auth with workload identity federation; by hand, gcloud auth login).',
      );
    });
  });
});

describe("preflight: the stable release's series at the configured endpoint", () => {
  const slo = {
    file: 'apps/backend/monitoring/slo.yml',
    window: '1m',
    spec: loadSlo(join(__dirname, '..', '..', '..', '..', '..', '..', 'apps/backend/monitoring/slo.yml')),
  };
  const GMP = 'https://monitoring.googleapis.com/v1/projects/p/location/global/prometheus';
  const stable = { prometheus: GMP, appSelector: 'revision_name="api-00041-abc"' };
  // Any provider with a configured endpoint (the message does not depend on it; Cloud Run's needs more config).
  const production = (analysis: object) => {
    const raw = {
      service: 'backend',
      environments: { production: { provider: 'vercel', url: 'https://api.example', analysis } },
    } as RawDeployConfig;
    return resolveEnvironment(raw, 'production', GATES, 'apps/backend/deploy.yml');
  };
  /** An endpoint with the service's raw series of the stable revision, and (evaluating) recorded series too. */
  const endpoint =
    (has: { raw: boolean; recorded: boolean }) =>
    async (_url: string, expr: string): Promise<number | null> =>
      (expr.includes('release:') ? has.recorded : has.raw) ? 42 : null;
  const said =
    'the canary\'s request count for the stable release v41 (revision_name="api-00041-abc") has no series at ' +
    `${GMP} over the last 10 minutes (`;

  it('names the missing rule evaluation when the raw series are there but no recorded one (rules: evaluated)', async () => {
    const env = production({ prometheus: GMP, auth: 'gcloud' });
    const refused = checkStableSeries(env, endpoint({ raw: true, recorded: false }), stable, 'v41', slo);
    await expect(refused).rejects.toThrow(said);
    await expect(refused).rejects.toThrow(
      "so every canary step would end inconclusive and roll back. Its metrics are there, but nothing evaluates the release-level recording rules (release:http_requests:rate1m has no series; Google Managed Prometheus' PromQL API evaluates no rule file). Set environments.production.analysis.rules: inline (the canary then inlines each rule's expr from the rendered rule file), or load the rule file generated from apps/backend/monitoring/slo.yml into a rule evaluator there.",
    );
    await expect(
      checkStableSeries(env, endpoint({ raw: true, recorded: true }), stable, 'v41', slo),
    ).resolves.toBeUndefined();
  });

  it('names the missing metrics when not even the inlined rules find the stable release (rules: inline)', async () => {
    const env = production({ prometheus: GMP, auth: 'gcloud', rules: 'inline' });
    const refused = checkStableSeries(env, endpoint({ raw: false, recorded: false }), stable, 'v41', slo);
    await expect(refused).rejects.toThrow(said);
    await expect(refused).rejects.toThrow(
      'No ccg_http_requests_total{job="backend",revision_name="api-00041-abc"} series reach it: check that the service\'s /metrics is collected there (Cloud Run: Managed Prometheus\' collector sidecar, which labels series with revision_name) and that the stable release served requests in that time.',
    );
    // Inlined, the recorded series are never asked for: the raw series alone pass.
    await expect(
      checkStableSeries(env, endpoint({ raw: true, recorded: false }), stable, 'v41', slo),
    ).resolves.toBeUndefined();
  });

  it('names the endpoint when the query fails', async () => {
    const env = production({ prometheus: GMP, auth: 'gcloud', rules: 'inline' });
    const failing = async (): Promise<number | null> => {
      throw new Error('Prometheus rejected it (HTTP 403): Permission denied.');
    };
    await expect(checkStableSeries(env, failing, stable, 'v41', slo)).rejects.toThrow(
      `the canary analysis could not query ${GMP} for the stable release v41: Prometheus rejected it (HTTP 403): Permission denied.`,
    );
  });
});

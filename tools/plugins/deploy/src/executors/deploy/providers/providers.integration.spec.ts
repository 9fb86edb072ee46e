/**
 * Cloud providers against fake gcloud, vercel and kubectl (fixtures/bin, given as GCLOUD, VERCEL and KUBECTL): they record
 * every argv and answer with the real tools' texts, so the whole state machine runs offline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { prometheusQueryFor, type PromQuery } from '../analysis';
import { resolveEnvironment, type RawDeployConfig } from '../config';
import { runDeploy, runRollback } from '../machine';
import { createRunner } from './cli';
import { cloudRunProvider } from './cloud-run';
import { argoRollout, kubernetesProvider } from './kubernetes';
import type { Provider, ProviderContext } from './provider';
import { vercelProvider } from './vercel';

const GATES = {
  coverage: { min: 80 },
  security: { grade: 'A' as const },
  perf: { p95Ms: 500, p99Ms: 1000, errorRate: 0.01, minThroughputRps: 1 },
};
const BIN = join(__dirname, '..', 'fixtures', 'bin');
const TOKEN = 'tok_secret_0123456789';
const noPrometheus: PromQuery = async () => {
  throw new Error('no analysis in these tests');
};

let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => res.writeHead(200).end(`ok ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // The resolver never searches PATH: the fakes are the tools' explicit overrides.
  for (const tool of ['gcloud', 'vercel', 'kubectl']) process.env[tool.toUpperCase()] = join(BIN, tool);
});
afterAll(async () => {
  for (const tool of ['gcloud', 'vercel', 'kubectl']) delete process.env[tool.toUpperCase()];
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-cli-'));
  process.env.FAKE_CLI_LOG = join(dir, 'argv.jsonl');
  process.env.FAKE_CLI_STATE = join(dir, 'state.json');
  writeFileSync(process.env.FAKE_CLI_LOG, '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const setState = (state: object) => writeFileSync(process.env.FAKE_CLI_STATE as string, JSON.stringify(state));
const readState = () => JSON.parse(readFileSync(process.env.FAKE_CLI_STATE as string, 'utf8'));
const calls = () =>
  readFileSync(process.env.FAKE_CLI_LOG as string, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as string[]).join(' '));

function context(provider: string, section: object, extra: object = {}): { ctx: ProviderContext; logs: string[] } {
  const raw = {
    service: 'svc',
    health: { paths: ['/health'], timeout: '2s' },
    smoke: [{ path: '/', contains: 'ok' }],
    environments: {
      production: {
        provider,
        url: base,
        steps: [
          { weight: 10, pause: '10ms', analysis: false },
          { weight: 50, pause: '10ms', analysis: false },
          { weight: 100 },
        ],
        ...section,
        ...extra,
      },
    },
  } as RawDeployConfig;
  const env = resolveEnvironment(raw, 'production', GATES, 'svc/deploy.yml');
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const secrets = process.env.VERCEL_TOKEN ? [process.env.VERCEL_TOKEN] : [];
  return {
    ctx: { workspaceRoot: dir, projectRoot: '.', project: 'svc', env, run: createRunner(log, secrets), log },
    logs,
  };
}

const deploy = (provider: Provider, ctx: ProviderContext, version: string) =>
  runDeploy({ provider, ctx, query: noPrometheus }, version);

describe('cloud-run', () => {
  const section = {
    cloudRun: {
      project: 'acme',
      region: 'europe-west1',
      service: 'api',
      image: 'europe-docker.pkg.dev/acme/images/api:{version}',
    },
  };
  const where = '--project acme --region europe-west1';

  it('creates the service on the first deploy (no --no-traffic), then canaries the next with pinned revisions', async () => {
    setState({ tagUrl: base, serviceUrl: base });
    const { ctx } = context('cloud-run', section);
    const first = await deploy(cloudRunProvider, ctx, 'v1');
    expect(first.outcome).toBe('promoted');
    const second = await deploy(cloudRunProvider, ctx, 'v2');
    expect(second.outcome).toBe('promoted');
    expect(calls()).toEqual([
      'gcloud --version',
      'gcloud auth print-access-token --quiet',
      `gcloud run services describe api ${where} --format json`,
      `gcloud run deploy api --image europe-docker.pkg.dev/acme/images/api:v1 ${where} --tag v-v1 --quiet`,
      `gcloud run services describe api ${where} --format json`,
      `gcloud run services update-traffic api ${where} --to-revisions api-00001--v1=100 --quiet`,
      'gcloud --version',
      'gcloud auth print-access-token --quiet',
      `gcloud run services describe api ${where} --format json`,
      `gcloud run deploy api --image europe-docker.pkg.dev/acme/images/api:v2 ${where} --tag v-v2 --no-traffic --quiet`,
      `gcloud run services describe api ${where} --format json`,
      `gcloud run services update-traffic api ${where} --to-revisions api-00001--v1=90,api-00002--v2=10 --quiet`,
      `gcloud run services update-traffic api ${where} --to-revisions api-00001--v1=50,api-00002--v2=50 --quiet`,
      `gcloud run services update-traffic api ${where} --to-tags v-v2=100 --quiet`,
      `gcloud run services update-traffic api ${where} --to-revisions api-00002--v2=100 --quiet`,
    ]);
    expect(readState().services.api.traffic.filter((t: { percent: number }) => t.percent > 0)).toEqual([
      { revisionName: 'api-00002--v2', percent: 100 },
    ]);
  });

  it('pins the recorded stable revision again when the candidate fails to start', async () => {
    setState({ tagUrl: base, serviceUrl: base });
    const { ctx } = context('cloud-run', section);
    await deploy(cloudRunProvider, ctx, 'v1');
    const failure =
      "ERROR: (gcloud.run.deploy) Revision 'api-00002-v3' is not ready and cannot serve traffic. The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable.";
    setState({ ...readState(), fail: { deploy: failure } });
    const report = await deploy(cloudRunProvider, ctx, 'v3');
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.phase).toBe('deploy candidate');
    expect(report.failure?.reason).toContain('failed to start and listen on the port');
    expect(calls().at(-1)).toBe(
      `gcloud run services update-traffic api ${where} --to-revisions api-00001-v1=100 --quiet`.replace(
        '00001-v1',
        '00001--v1',
      ),
    );
  });

  describe('wired for production', () => {
    const BACKUP = ['python', '-m', 'customercare', 'backup'];
    const wired = {
      ...section.cloudRun,
      serviceAccount: 'api@acme.iam.gserviceaccount.com',
      secrets: { SECRET_KEY: 'api-secret-key:latest', DATABASE_URL: 'api-database-url:2' },
      env: { ENVIRONMENT: 'production' },
      backupJob: { name: 'api-backup', bucket: 'acme-api-backups' },
    };
    const secretManager = {
      'projects/acme/secrets/api-secret-key': ['1'],
      'projects/acme/secrets/api-database-url': ['1', '2'],
    };
    function wiredContext(cloudRun: object = wired, analysis: object = {}) {
      const raw = {
        service: 'api',
        serviceSecrets: ['SECRET_KEY', 'DATABASE_URL'],
        backup: { command: BACKUP, timeout: '2m' },
        health: { paths: ['/health'], timeout: '2s' },
        environments: {
          production: {
            provider: 'cloud-run',
            url: base,
            steps: [{ weight: 50, pause: '10ms', analysis: false }, { weight: 100 }],
            analysis,
            cloudRun,
          },
        },
      } as RawDeployConfig;
      const env = resolveEnvironment(raw, 'production', GATES, 'api/deploy.yml');
      const log = () => undefined;
      return { workspaceRoot: dir, projectRoot: '.', project: 'api', env, run: createRunner(log, []), log };
    }
    const backupRuns = (ctx: ProviderContext) => async () =>
      (cloudRunProvider.backup as NonNullable<Provider['backup']>)(ctx, {
        version: 'v2',
        command: BACKUP,
        timeoutMs: 120_000,
      });

    it("backs up through a Cloud Run job running the release's image and backup command, then deploys with --set-secrets/--set-env-vars", async () => {
      setState({ tagUrl: base, serviceUrl: base, secretManager });
      const ctx = wiredContext();
      await deploy(cloudRunProvider, { ...ctx, env: { ...ctx.env, backup: undefined } }, 'v1');
      const report = await runDeploy(
        { provider: cloudRunProvider, ctx, query: noPrometheus, backup: backupRuns(ctx) },
        'v2',
      );
      expect(report.outcome).toBe('promoted');
      expect(report.phases.find((p) => p.phase === 'backup')?.detail).toBe(
        'backup job api-backup ran python -m customercare backup with europe-docker.pkg.dev/acme/images/api:v2; the file is in gs://acme-api-backups',
      );
      const state = readState();
      const image = 'europe-docker.pkg.dev/acme/images/api:v2';
      const runtime = {
        image,
        serviceAccount: 'api@acme.iam.gserviceaccount.com',
        secrets: { SECRET_KEY: 'api-secret-key:latest', DATABASE_URL: 'api-database-url:2' },
      };
      expect(state.jobs['api-backup']).toMatchObject({
        ...runtime,
        args: BACKUP,
        bucket: 'acme-api-backups',
        mountPath: '/backups',
      });
      expect(state.jobs['api-backup'].executions).toEqual([
        {
          name: 'api-backup-00001',
          ...runtime,
          args: BACKUP,
          env: {
            ENVIRONMENT: 'production',
            DATA_DIR: '/backups',
            BACKUP_DIR: '/backups',
            DEPLOY_ENVIRONMENT: 'production',
            DEPLOY_VERSION: 'v2',
          },
        },
      ]);
      expect(state.services.api.revisions[1]).toMatchObject({ ...runtime, env: { ENVIRONMENT: 'production' } });
      const v2 = calls().slice(calls().lastIndexOf('gcloud --version'));
      expect(v2.slice(0, 8)).toEqual([
        'gcloud --version',
        'gcloud auth print-access-token --quiet',
        `gcloud secrets versions describe latest --secret api-secret-key --project acme --format value(state)`,
        `gcloud secrets versions describe 2 --secret api-database-url --project acme --format value(state)`,
        `gcloud run services describe api ${where} --format json`,
        expect.stringMatching(
          /^gcloud run jobs deploy api-backup --image europe-docker.pkg.dev\/acme\/images\/api:v2 .* --args=python,-m,customercare,backup /,
        ),
        `gcloud run jobs execute api-backup ${where} --wait --quiet`,
        expect.stringMatching(
          /^gcloud run deploy api --image europe-docker.pkg.dev\/acme\/images\/api:v2 .* --set-secrets=SECRET_KEY=api-secret-key:latest,DATABASE_URL=api-database-url:2 --set-env-vars=ENVIRONMENT=production --tag v-v2 --no-traffic --quiet$/,
        ),
      ]);
    });

    it('refuses in preflight, before the backup or any traffic, when a Secret Manager version does not exist', async () => {
      setState({ tagUrl: base, serviceUrl: base, secretManager: { 'projects/acme/secrets/api-secret-key': ['1'] } });
      const ctx = wiredContext();
      const report = await runDeploy(
        { provider: cloudRunProvider, ctx, query: noPrometheus, backup: backupRuns(ctx) },
        'v2',
      );
      expect(report.outcome).toBe('aborted');
      expect(report.failure?.phase).toBe('preflight');
      expect(report.failure?.reason).toMatch(
        /^Secret Manager has no usable api-database-url:2 for DATABASE_URL \(environments.production.cloudRun.secrets.DATABASE_URL\): ERROR: \(gcloud.secrets.versions.describe\) NOT_FOUND: /,
      );
      expect(calls().filter((c) => c.startsWith('gcloud run'))).toEqual([]);
    });

    it('refuses in preflight when gcloud has no credentials, naming workload identity federation', async () => {
      setState({ tagUrl: base, serviceUrl: base, secretManager, noCredentials: true });
      const report = await deploy(cloudRunProvider, wiredContext(), 'v2');
      expect(report.outcome).toBe('aborted');
      expect(report.failure?.reason).toContain('gcloud has no credentials');
      expect(report.failure?.reason).toContain('google-github-actions/auth with workload identity federation');
    });

    it('aborts before the candidate when the backup job fails', async () => {
      setState({ tagUrl: base, serviceUrl: base, secretManager });
      const ctx = wiredContext();
      await deploy(cloudRunProvider, { ...ctx, env: { ...ctx.env, backup: undefined } }, 'v1');
      setState({
        ...readState(),
        fail: { backupJob: 'Task api-backup-00001-abc failed: pg_dump: error: connection refused' },
      });
      const report = await runDeploy(
        { provider: cloudRunProvider, ctx, query: noPrometheus, backup: backupRuns(ctx) },
        'v2',
      );
      expect(report.outcome).toBe('aborted');
      expect(report.failure?.phase).toBe('backup');
      expect(report.failure?.reason).toContain('pg_dump: error: connection refused');
      expect(calls().filter((c) => c.startsWith('gcloud run deploy'))).toHaveLength(1);
    });

    describe("with Google Managed Prometheus' query API", () => {
      let gmp: Server;
      let gmpBase: string;
      const authorizations: Array<string | undefined> = [];
      beforeAll(async () => {
        gmp = createServer((req, res) => {
          authorizations.push(req.headers.authorization);
          const ok =
            req.headers.authorization === 'Bearer ya29.wif-token' &&
            req.url?.startsWith('/v1/projects/acme/location/global/prometheus/api/v1/query?');
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(
            ok
              ? JSON.stringify({
                  status: 'success',
                  data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] },
                })
              : JSON.stringify({
                  error: { code: 401, message: 'Request is missing required authentication credential.' },
                }),
          );
        });
        await new Promise<void>((resolve) => gmp.listen(0, '127.0.0.1', resolve));
        gmpBase = `http://127.0.0.1:${(gmp.address() as { port: number }).port}/v1/projects/acme/location/global/prometheus`;
      });
      afterAll(() => new Promise<void>((resolve) => gmp.close(() => resolve())));
      beforeEach(() => (authorizations.length = 0));

      it("checks in preflight that the endpoint answers PromQL with gcloud's token", async () => {
        setState({ tagUrl: base, serviceUrl: base, secretManager, accessToken: 'ya29.wif-token' });
        const ctx = wiredContext({ ...wired, backupJob: undefined }, { prometheus: gmpBase, auth: 'gcloud' });
        const env = { ...ctx.env, backup: undefined };
        const report = await runDeploy(
          { provider: cloudRunProvider, ctx: { ...ctx, env }, query: prometheusQueryFor(env, ctx.run) },
          'v1',
        );
        expect(report.outcome).toBe('promoted');
        expect(authorizations).toEqual(['Bearer ya29.wif-token']);
      });

      it('refuses in preflight, before anything moves, when the endpoint does not take the token', async () => {
        setState({ tagUrl: base, serviceUrl: base, secretManager, accessToken: 'ya29.expired' });
        const ctx = wiredContext({ ...wired, backupJob: undefined }, { prometheus: gmpBase, auth: 'gcloud' });
        const env = { ...ctx.env, backup: undefined };
        const report = await runDeploy(
          { provider: cloudRunProvider, ctx: { ...ctx, env }, query: prometheusQueryFor(env, ctx.run) },
          'v1',
        );
        expect(report.outcome).toBe('aborted');
        expect(report.failure?.reason).toContain(
          `the canary analysis cannot query ${gmpBase} (environments.production.analysis.prometheus): Prometheus rejected vector(1) (HTTP 401): Request is missing required authentication credential. Check analysis.prometheus`,
        );
        expect(calls().filter((c) => c.startsWith('gcloud run'))).toEqual([]);
      });
    });
  });

  it('plans the argv without running anything', () => {
    const { ctx } = context('cloud-run', section);
    const plan = cloudRunProvider.plan(ctx, { version: 'v2', stable: { version: 'v1', id: 'api-00001' } });
    expect(plan.map((p) => `${p.phase}: ${p.argv.join(' ')}`)).toEqual([
      `current: gcloud run services describe api ${where} --format json`,
      `deployCandidate: gcloud run deploy api --image europe-docker.pkg.dev/acme/images/api:v2 ${where} --tag v-v2 --no-traffic --quiet`,
      `setTraffic: gcloud run services update-traffic api ${where} --to-revisions api-00001=90,<candidate-revision>=10 --quiet`,
      `setTraffic: gcloud run services update-traffic api ${where} --to-revisions api-00001=50,<candidate-revision>=50 --quiet`,
      `setTraffic: gcloud run services update-traffic api ${where} --to-tags v-v2=100 --quiet`,
      `rollback: gcloud run services update-traffic api ${where} --to-revisions api-00001=100 --quiet`,
    ]);
    expect(calls()).toEqual([]);
  });
});

describe('vercel', () => {
  beforeEach(() => {
    process.env.VERCEL_TOKEN = TOKEN;
    process.env.VERCEL_ORG_ID = 'team_fake';
    process.env.VERCEL_PROJECT_ID = 'prj_fake';
  });
  afterEach(() => {
    for (const name of ['VERCEL_TOKEN', 'VERCEL_ORG_ID', 'VERCEL_PROJECT_ID']) delete process.env[name];
  });
  const stable = () => ({
    token: TOKEN,
    candidateUrl: base,
    deployments: [{ id: 'dpl_0', url: `${base}/d0`, alias: base }],
  });

  it('ships a prebuilt deployment through a rolling release, with the token in the environment, never on a command line or in a log', async () => {
    setState(stable());
    const { ctx, logs } = context('vercel', {});
    const report = await deploy(vercelProvider, ctx, 'v2');
    expect(report.outcome).toBe('promoted');
    expect(calls()).toEqual([
      'vercel --version',
      `vercel inspect ${base} --json`,
      'vercel pull --yes --environment=production',
      'vercel build --prod --yes',
      `vercel deploy --prebuilt --prod --skip-domain --yes`,
      `vercel rolling-release configure --enable --advancement-type=manual-approval --stage=10 --stage=50`,
      `vercel rolling-release start --dpl=${base}/d1 --yes`,
      `vercel rolling-release approve --currentStageIndex=0 --dpl=${base}/d1`,
      `vercel rolling-release complete --dpl=${base}/d1`,
    ]);
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.join('\n')).not.toContain(TOKEN);
    expect(logs.join('\n')).not.toContain('--token');
  });

  it('hands the token from the configured variable to the CLI as VERCEL_TOKEN', async () => {
    delete process.env.VERCEL_TOKEN;
    process.env.VERCEL_DEPLOY_TOKEN = TOKEN;
    try {
      setState(stable());
      const { ctx } = context('vercel', { vercel: { tokenEnv: 'VERCEL_DEPLOY_TOKEN' } });
      expect((await deploy(vercelProvider, ctx, 'v2')).outcome).toBe('promoted');
      expect(calls().join('\n')).not.toContain(TOKEN);
    } finally {
      delete process.env.VERCEL_DEPLOY_TOKEN;
    }
  });

  it('rolls back to the recorded deployment and redacts the token from what the CLI said', async () => {
    setState({
      ...stable(),
      fail: { deploy: `Error: Deployment failed for token ${TOKEN}: build output missing (.vercel/output)` },
    });
    const { ctx } = context('vercel', {});
    const report = await deploy(vercelProvider, ctx, 'v3');
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.reason).toContain('build output missing');
    expect(JSON.stringify(report)).not.toContain(TOKEN);
    expect(calls().at(-1)).toBe(`vercel rollback ${base}/d0 --yes`);
  });

  it('says how to provide the token when it is missing', async () => {
    delete process.env.VERCEL_TOKEN;
    setState(stable());
    const { ctx } = context('vercel', {});
    const report = await deploy(vercelProvider, ctx, 'v2');
    expect(report.outcome).toBe('aborted');
    expect(report.failure?.reason).toMatch(
      /^VERCEL_TOKEN is not set: the vercel provider hands it to the CLI as VERCEL_TOKEN\. Create a token at/,
    );
    expect(calls()).toEqual([]);
  });

  it('builds the output it deploys: pull, then build into .vercel/output, then deploy --prebuilt of it', async () => {
    setState(stable());
    const { ctx } = context('vercel', {});
    expect((await deploy(vercelProvider, ctx, 'v2')).outcome).toBe('promoted');
    expect(JSON.parse(readFileSync(join(dir, '.vercel', 'project.json'), 'utf8'))).toMatchObject({
      orgId: 'team_fake',
      projectId: 'prj_fake',
    });
    expect(JSON.parse(readFileSync(join(dir, '.vercel', 'output', 'config.json'), 'utf8'))).toEqual({ version: 3 });
  });

  it('stops before deploying when vercel pull cannot find the project (the fake, like the CLI, wants its ids)', async () => {
    delete process.env.VERCEL_PROJECT_ID;
    setState(stable());
    const { ctx } = context('vercel', {});
    const report = await deploy(vercelProvider, ctx, 'v2');
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.phase).toBe('deploy candidate');
    expect(report.failure?.reason).toContain(
      'Link the project with `vercel link`, or set both VERCEL_ORG_ID and VERCEL_PROJECT_ID',
    );
    expect(calls().filter((c) => c.startsWith('vercel deploy') || c.startsWith('vercel build'))).toEqual([]);
  });

  it('refuses in preflight when a runner secret is unset, naming where it comes from', async () => {
    delete process.env.VERCEL_ORG_ID;
    setState(stable());
    const { ctx } = context('vercel', {
      runnerSecrets: {
        VERCEL_TOKEN: 'the GitHub environment secret VERCEL_TOKEN',
        VERCEL_ORG_ID: 'the GitHub environment variable VERCEL_ORG_ID',
        VERCEL_PROJECT_ID: 'the GitHub environment variable VERCEL_PROJECT_ID',
      },
    });
    const report = await deploy(vercelProvider, ctx, 'v2');
    expect(report.outcome).toBe('aborted');
    expect(report.failure).toEqual({
      phase: 'preflight',
      reason: expect.stringMatching(
        /^VERCEL_ORG_ID is not set, and the production deploy needs it: VERCEL_ORG_ID comes from the GitHub environment variable VERCEL_ORG_ID\./,
      ),
    });
    expect(calls()).toEqual([]);
  });

  it('promotes directly for blue-green (a single 100 % step)', async () => {
    setState(stable());
    const { ctx } = context('vercel', {}, { steps: [{ weight: 100 }] });
    expect((await deploy(vercelProvider, ctx, 'v2')).outcome).toBe('promoted');
    expect(calls().at(-1)).toBe(`vercel promote ${base}/d1 --yes`);
  });
});

describe('kubernetes', () => {
  const section = {
    kubernetes: {
      namespace: 'prod',
      deployment: 'svc',
      container: 'api',
      image: 'registry/svc:{version}',
      timeout: '90s',
    },
  };
  const k = 'kubectl --namespace prod';

  it('rolls out with rollout status, and undoes to the recorded revision when the rollout fails', async () => {
    setState({ fail: { 'status:registry/svc:v3': true } });
    const { ctx } = context('kubernetes', section);
    expect((await deploy(kubernetesProvider, ctx, 'v2')).outcome).toBe('promoted');
    const report = await deploy(kubernetesProvider, ctx, 'v3');
    expect(report.outcome).toBe('rolled-back');
    expect(report.failure?.reason).toContain('exceeded its progress deadline');
    expect(calls().slice(-5)).toEqual([
      `${k} get deployment svc --output json`,
      `${k} set image deployment/svc api=registry/svc:v3`,
      `${k} rollout status deployment/svc --timeout=90s`,
      `${k} rollout undo deployment/svc --to-revision=2`,
      `${k} rollout status deployment/svc --timeout=90s`,
    ]);
    expect(readState().deployment.image).toBe('registry/svc:v2');
  });

  it('rolls back by hand to a revision from `rollout history`', async () => {
    setState({});
    const { ctx } = context('kubernetes', section);
    await deploy(kubernetesProvider, ctx, 'v2');
    const report = await runRollback({ provider: kubernetesProvider, ctx }, undefined);
    expect(report.outcome).toBe('rolled-back');
    expect(calls()).toContain(`${k} rollout undo deployment/svc --to-revision=1`);
    expect(readState().deployment.image).toBe('registry/svc:v1');
  });

  it('generates Argo Rollouts manifests whose steps and gates come from the same config', () => {
    const { ctx } = context('kubernetes', section, {
      steps: [{ weight: 10, pause: '60s' }, { weight: 100 }],
      analysis: { prometheus: 'http://prom:9090', interval: '30s' },
    });
    const [rollout, template] = parseAllDocuments(argoRollout(ctx.env, 'v2')).map((d) => d.toJS());
    expect(rollout.kind).toBe('Rollout');
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 10 },
      { pause: { duration: '60s' } },
      { analysis: { templates: [{ templateName: 'svc-canary' }] } },
    ]);
    expect(template.kind).toBe('AnalysisTemplate');
    expect(
      template.spec.metrics.map((m: { name: string; failureCondition: string }) => [m.name, m.failureCondition]),
    ).toEqual([
      ['error-ratio', 'isNaN(result[0]) || result[0] > 0.01'],
      ['p95-latency-ms', 'isNaN(result[0]) || result[0] > 500'],
    ]);
  });
});

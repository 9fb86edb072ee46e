/**
 * The real gcloud and kubectl, where they are installed, parse the argv our providers build: a
 * valid command gets as far as wanting credentials (gcloud) or a cluster (kubectl, pointed at an
 * unused loopback address), a wrong flag is a usage error. Nothing leaves the machine: gcloud
 * has no account and no metadata server to ask, kubectl only dials 127.0.0.1.
 * (vercel's own parser is not here: the vercel package does not install from this registry.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executableOf } from '@customercare/nx-core';
import { executorTools, findTool } from '@customercare/nx-core';
import { resolveEnvironment, type RawDeployConfig } from '../config';
import { cloudRunArgv, cloudRunProvider } from './cloud-run';
import { kubernetesProvider } from './kubernetes';

// The real CLIs where the machine has them (they are optional: tools/toolchain.json kind external).
const installed = (tool: string) => findTool(tool, executorTools()) !== undefined;
const GATES = { perf: { errorRate: 0.01, p95Ms: 500 } };

function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(executableOf(argv[0]), argv.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

function environment(provider: string, section: object) {
  const raw = {
    service: 'api',
    environments: {
      production: {
        provider,
        url: 'https://api.example',
        steps: [{ weight: 10, pause: '1m' }, { weight: 50, pause: '1m' }, { weight: 100 }],
        ...section,
      },
    },
  } as RawDeployConfig;
  return resolveEnvironment(raw, 'production', GATES, 'api/deploy.yml');
}

(installed('gcloud') ? describe : describe.skip)('real gcloud parses the Cloud Run argv', () => {
  let config: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    config = mkdtempSync(join(tmpdir(), 'gcloud-config-'));
    env = {
      CLOUDSDK_CONFIG: config,
      CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    };
  });
  afterAll(() => rmSync(config, { recursive: true, force: true }));
  const usageError =
    /unrecognized arguments|argument .* is required|not allowed with argument|Invalid choice|Invalid value|must be specified/;

  it('accepts every command of a backup job, a first deploy, a canary, a promote and a rollback', async () => {
    const wired = environment('cloud-run', {
      cloudRun: {
        project: 'acme',
        region: 'europe-west1',
        service: 'api',
        image: 'europe-docker.pkg.dev/acme/images/api:{version}',
        serviceAccount: 'api@acme.iam.gserviceaccount.com',
        secrets: { SECRET_KEY: 'api-secret-key:latest', DATABASE_URL: 'projects/shared/secrets/api-db:2' },
        env: { ENVIRONMENT: 'production', CORS_ORIGINS: 'https://a.example,https://b.example' },
        cloudSqlInstances: ['acme:europe-west1:db'],
        backupJob: { name: 'api-backup', bucket: 'acme-api-backups' },
      },
    });
    const ctx = {
      workspaceRoot: '/ws',
      projectRoot: 'api',
      project: 'api',
      env: {
        ...wired,
        backup: {
          command: ['python', '-m', 'customercare', 'backup'],
          timeoutMs: 300_000,
          onFirstDeploy: 'run' as const,
        },
      },
      log: () => undefined,
    };
    const cr = ctx.env.cloudRun as NonNullable<typeof ctx.env.cloudRun>;
    const argvs = [
      ...cloudRunProvider.plan(ctx, { version: 'v2', stable: { version: 'v1', id: 'api-00001-abc' } }),
      ...cloudRunProvider.plan(ctx, { version: 'v1', stable: null }).filter((p) => p.phase === 'deployCandidate'),
      { argv: cloudRunArgv.secretVersion(cr, 'projects/shared/secrets/api-db:2') },
      { argv: cloudRunArgv.credentials() },
    ].map((p) => p.argv);
    expect(argvs.filter((argv) => argv[2] === 'jobs').map((argv) => argv[3])).toEqual(['deploy', 'execute']);
    const results = await Promise.all(argvs.map((argv) => run(argv, env)));
    for (const [i, result] of results.entries()) {
      expect({ argv: argvs[i].join(' '), usage: usageError.test(result.stderr) ? result.stderr.trim() : 'ok' }).toEqual(
        { argv: argvs[i].join(' '), usage: 'ok' },
      );
      expect(result.code).not.toBe(2);
      expect(result.stderr).toMatch(/active account|credentials|gcloud auth login/);
    }
  });

  it('rejects a misspelled flag (the check can fail)', async () => {
    const result = await run(
      ['gcloud', 'run', 'deploy', 'api', '--image', 'x', '--region', 'r', '--no-trafic', '--quiet'],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unrecognized arguments: --no-trafic (did you mean '--no-traffic'?)");
  });
});

(installed('kubectl') ? describe : describe.skip)('real kubectl parses the Kubernetes argv', () => {
  // No kubeconfig: kubectl dials localhost:8080, where nothing listens.
  const env = { KUBECONFIG: '/dev/null' };
  const usageError = /unknown (flag|command|shorthand flag)|invalid argument|required flag/;

  it('accepts every command of a rollout and an undo', async () => {
    const ctx = {
      workspaceRoot: '/ws',
      projectRoot: 'api',
      project: 'api',
      env: environment('kubernetes', {
        kubernetes: {
          namespace: 'prod',
          deployment: 'api',
          container: 'api',
          image: 'registry/api:{version}',
          manifests: 'k8s',
        },
      }),
      log: () => undefined,
    };
    const argvs = kubernetesProvider
      .plan(ctx, { version: 'v2', stable: { version: 'v1', id: '3' } })
      .map((p) => p.argv);
    const results = await Promise.all(argvs.map((argv) => run(argv, env)));
    for (const [i, result] of results.entries()) {
      expect({ argv: argvs[i].join(' '), usage: usageError.test(result.stderr) ? result.stderr.trim() : 'ok' }).toEqual(
        { argv: argvs[i].join(' '), usage: 'ok' },
      );
      expect(result.stderr).toMatch(
        /connection to the server localhost:8080 was refused|connect: connection refused|the path "api\/k8s" does not exist/,
      );
    }
  });

  it('rejects an unknown flag (the check can fail)', async () => {
    const result = await run(
      ['kubectl', '--namespace', 'prod', 'rollout', 'undo', 'deployment/api', '--to-revison=3'],
      env,
    );
    expect(result.stderr).toContain('unknown flag: --to-revison');
  });
});

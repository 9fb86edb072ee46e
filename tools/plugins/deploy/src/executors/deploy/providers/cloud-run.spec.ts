import { resolveEnvironment, type RawDeployConfig } from '../config';
import type { CommandRunner } from './cli';
import { cloudRunArgv, cloudRunProvider, cloudRunWiringProblems, gcloudList } from './cloud-run';
import type { ProviderContext } from './provider';

const GATES = { perf: { errorRate: 0.01, p95Ms: 500 } };
const WIRED = {
  project: 'acme',
  region: 'europe-west1',
  service: 'api',
  image: 'europe-docker.pkg.dev/acme/images/api:{version}',
  serviceAccount: 'api@acme.iam.gserviceaccount.com',
  secrets: { SECRET_KEY: 'api-secret-key:latest', DATABASE_URL: 'projects/shared/secrets/api-db:3' },
  env: { ENVIRONMENT: 'production', CORS_ORIGINS: 'https://a.example,https://b.example' },
  cloudSqlInstances: ['acme:europe-west1:db'],
  backupJob: { name: 'api-backup', bucket: 'acme-api-backups' },
};

function environment(cloudRun: object, extra: { backup?: boolean } = {}) {
  const raw = {
    service: 'api',
    serviceSecrets: ['SECRET_KEY', 'DATABASE_URL'],
    backup: { command: ['python', '-m', 'customercare', 'backup'], timeout: '5m' },
    environments: { production: { provider: 'cloud-run', cloudRun, ...extra } },
  } as RawDeployConfig;
  return resolveEnvironment(raw, 'production', GATES, 'api/deploy.yml');
}

describe('cloud-run wiring', () => {
  it('is complete when every service secret has a Secret Manager reference and the backup has a job', () => {
    expect(cloudRunWiringProblems(environment(WIRED))).toEqual([]);
  });

  it('names a secret without a Secret Manager reference, and a secret passed as a plain variable', () => {
    const env = environment({
      ...WIRED,
      secrets: { SECRET_KEY: 'api-secret-key:latest' },
      env: { DATABASE_URL: 'postgresql://u:p@db/app' },
    });
    expect(cloudRunWiringProblems(env)).toEqual([
      'DATABASE_URL is a secret (serviceSecrets) but environments.production.cloudRun.env sets it as a plain variable, readable by anyone who can view the service: move it to environments.production.cloudRun.secrets as "DATABASE_URL: <secret>:latest"',
    ]);
    expect(cloudRunWiringProblems(environment({ ...WIRED, secrets: {} }))).toEqual([
      'SECRET_KEY has no Secret Manager reference: add "SECRET_KEY: <secret>:latest" to environments.production.cloudRun.secrets (create it with `gcloud secrets create <secret> --data-file=-`)',
      'DATABASE_URL has no Secret Manager reference: add "DATABASE_URL: <secret>:latest" to environments.production.cloudRun.secrets (create it with `gcloud secrets create <secret> --data-file=-`)',
    ]);
  });

  it('names the missing backup job, unless the environment turns its backup off', () => {
    const noJob = { ...WIRED, backupJob: undefined };
    expect(cloudRunWiringProblems(environment(noJob))).toEqual([
      "the pre-deploy backup has nowhere to run: the runner cannot reach the database, so on Cloud Run it runs as a job with the release's image. " +
        'Add environments.production.cloudRun.backupJob: { name: <job>, bucket: <Cloud Storage bucket> }, or set environments.production.backup: false',
    ]);
    expect(cloudRunWiringProblems(environment(noJob, { backup: false }))).toEqual([]);
  });

  it('refuses in preflight before running anything, with every problem listed', async () => {
    const calls: string[][] = [];
    const run: CommandRunner = async (argv) => (calls.push(argv), { exitCode: 0, stdout: '', stderr: '' });
    const noJob = { ...WIRED, backupJob: undefined };
    const env = environment({ ...noJob, secrets: { SECRET_KEY: 'api-secret-key:latest' } });
    const ctx: ProviderContext = {
      workspaceRoot: '/ws',
      projectRoot: 'api',
      project: 'api',
      env,
      run,
      log: () => undefined,
    };
    await expect(cloudRunProvider.preflight(ctx)).rejects.toThrow(
      /^production is not wired for Cloud Run:\n- DATABASE_URL has no Secret Manager reference: [^\n]+\n- the pre-deploy backup has nowhere to run: /,
    );
    expect(calls).toEqual([]);
  });
});

describe('cloud-run argv', () => {
  const cr = environment(WIRED).cloudRun as NonNullable<ReturnType<typeof environment>['cloudRun']>;

  it('deploys the release with its identity, its Secret Manager references and its plain env', () => {
    expect(cloudRunArgv.deploy(cr, 'v2', false)).toEqual([
      'gcloud',
      'run',
      'deploy',
      'api',
      '--image',
      'europe-docker.pkg.dev/acme/images/api:v2',
      '--project',
      'acme',
      '--region',
      'europe-west1',
      '--service-account',
      'api@acme.iam.gserviceaccount.com',
      '--set-cloudsql-instances=acme:europe-west1:db',
      '--set-secrets=SECRET_KEY=api-secret-key:latest,DATABASE_URL=projects/shared/secrets/api-db:3',
      '--set-env-vars=^@^ENVIRONMENT=production@CORS_ORIGINS=https://a.example,https://b.example',
      '--tag',
      'v-v2',
      '--no-traffic',
      '--quiet',
    ]);
  });

  it("deploys a release manifest's image by digest, the service and its backup job alike, and refuses a bare digest", () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const image = `europe-docker.pkg.dev/acme/images/api@${digest}`;
    const deploy = cloudRunArgv.deploy(cr, digest, false, image);
    expect(deploy[deploy.indexOf('--image') + 1]).toBe(image);
    const job = cloudRunArgv.backupJob(
      cr,
      digest,
      'production',
      ['python', '-m', 'customercare', 'backup'],
      1000,
      image,
    );
    expect(job[job.indexOf('--image') + 1]).toBe(image);
    // A tag is a valid Cloud Run revision tag: lowercase, at most 46 characters.
    expect(deploy[deploy.indexOf('--tag') + 1]).toMatch(/^v-sha256-[a-f0-9]+$/);
    expect(() => cloudRunArgv.deploy(cr, digest, false)).toThrow(
      /release sha256:abab\S* is an image digest, but no release manifest names its image: deploy it with --manifest=/,
    );
  });

  it("runs the backup as a job with the same image and secrets, the image's own backup command, onto a bucket", () => {
    expect(cloudRunArgv.backupJob(cr, 'v2', 'production', ['python', '-m', 'customercare', 'backup'], 300_000)).toEqual(
      [
        'gcloud',
        'run',
        'jobs',
        'deploy',
        'api-backup',
        '--image',
        'europe-docker.pkg.dev/acme/images/api:v2',
        '--project',
        'acme',
        '--region',
        'europe-west1',
        '--args=python,-m,customercare,backup',
        '--service-account',
        'api@acme.iam.gserviceaccount.com',
        '--set-cloudsql-instances=acme:europe-west1:db',
        '--set-secrets=SECRET_KEY=api-secret-key:latest,DATABASE_URL=projects/shared/secrets/api-db:3',
        '--set-env-vars=^@^ENVIRONMENT=production@CORS_ORIGINS=https://a.example,https://b.example@DATA_DIR=/backups@BACKUP_DIR=/backups@DEPLOY_ENVIRONMENT=production@DEPLOY_VERSION=v2',
        '--add-volume=name=backups,type=cloud-storage,bucket=acme-api-backups',
        '--add-volume-mount=volume=backups,mount-path=/backups',
        '--max-retries=0',
        '--task-timeout=300s',
        '--quiet',
      ],
    );
    expect(cloudRunArgv.runBackupJob(cr)).toEqual([
      'gcloud',
      'run',
      'jobs',
      'execute',
      'api-backup',
      '--project',
      'acme',
      '--region',
      'europe-west1',
      '--wait',
      '--quiet',
    ]);
  });

  it('checks a secret version in the project its reference names', () => {
    expect(cloudRunArgv.secretVersion(cr, 'projects/shared/secrets/api-db:3').join(' ')).toBe(
      'gcloud secrets versions describe 3 --secret api-db --project shared --format value(state)',
    );
    expect(cloudRunArgv.secretVersion(cr, 'api-secret-key:latest').join(' ')).toBe(
      'gcloud secrets versions describe latest --secret api-secret-key --project acme --format value(state)',
    );
  });

  it('refuses a malformed Secret Manager reference', () => {
    expect(() => cloudRunArgv.secretVersion(cr, 'projects/shared/api-db:3')).toThrow(
      '"projects/shared/api-db:3" is not a Secret Manager reference: write <secret>:<version>, e.g. db-url:latest',
    );
    expect(() => cloudRunArgv.secretVersion(cr, 'api-db')).toThrow('is not a Secret Manager reference');
  });

  it("switches gcloud's list delimiter only when a value holds a comma", () => {
    expect(gcloudList(['A=1', 'B=2'])).toBe('A=1,B=2');
    expect(gcloudList(['A=1,2', 'B=x@y'])).toBe('^|^A=1,2|B=x@y');
  });
});

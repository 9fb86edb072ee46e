/**
 * The deploy target as a user runs it: the real nx CLI in a copy of this workspace, the backend's
 * own deploy.yml, the real API (`python -m customercare serve`) behind HAProxy on loopback.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, nx } from './workspace-copy';
import { freePort } from '@customercare/nx-core';

describe('nx run backend:deploy', () => {
  let root: string;
  let url: string;

  beforeAll(async () => {
    root = copyWorkspace();
    // The copy's staging on a free port, so a staging running on this machine is left alone.
    const config = join(root, 'apps/backend/deploy.yml');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    writeFileSync(config, readFileSync(config, 'utf8').replace('url: http://127.0.0.1:8480', `url: ${url}`));
  });

  afterAll(() => {
    nx(root, ['run', 'backend:deploy:staging', '--stop']);
    rmSync(root, { recursive: true, force: true });
  });

  it('is inferred, never cached, with one configuration per environment', () => {
    const result = nx(root, ['show', 'project', 'backend', '--json']);
    const targets = (
      JSON.parse(result.stdout) as { targets: Record<string, { cache?: boolean; configurations?: object }> }
    ).targets;
    expect(targets['deploy']).toMatchObject({
      cache: false,
      configurations: { staging: { environment: 'staging' }, production: { environment: 'production' } },
    });
    expect(targets['rollback']).toMatchObject({ cache: false });
  });

  it('prints the Cloud Run commands of a production deploy and changes nothing with --dryRun', () => {
    const result = nx(root, [
      'run',
      'backend:deploy:production',
      '--release=v9.9.9',
      '--dryRun',
      '--outputStyle=static',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Dry run: deploy backend v9.9.9 to production with cloud-run; nothing is changed.');
    expect(result.stdout).toContain(
      'deployCandidate: gcloud run deploy customercare-api --image europe-west1-docker.pkg.dev/customercare-prod/images/backend:v9.9.9 --project customercare-prod --region europe-west1 --service-account customercare-api@customercare-prod.iam.gserviceaccount.com --set-cloudsql-instances=customercare-prod:europe-west1:customercare --set-secrets=SECRET_KEY=customercare-secret-key:latest,DATABASE_URL=customercare-database-url:latest,GEMINI_API_KEY=customercare-gemini-api-key:latest,SENTRY_DSN=customercare-sentry-dsn:latest --set-env-vars=LOG_LEVEL=INFO --tag v-v9-9-9 --no-traffic --quiet',
    );
    expect(result.stdout).toContain(
      'rollback: gcloud run services update-traffic customercare-api --project customercare-prod --region europe-west1 --to-revisions <stable-revision>=100 --quiet',
    );
  });

  it('deploys the real API to staging on loopback, behind HAProxy, then stops it', async () => {
    const result = nx(root, ['run', 'backend:deploy:staging', '--release=e2e-1', '--outputStyle=static']);
    expect(result.stdout).toContain('PASS backend deploy:staging promoted');
    expect(result.status).toBe(0);
    const report = JSON.parse(
      readFileSync(join(root, 'reports/apps/backend/deploy/staging/deploy-report.json'), 'utf8'),
    ) as { phases: Array<{ phase: string; detail?: string }> };
    expect(report.phases.map((p) => p.phase)).toEqual([
      'preflight',
      'record stable',
      'backup',
      'deploy candidate',
      'health',
      'smoke',
      'promote',
      'health after promote',
    ]);
    expect(report.phases[2].detail).toMatch(/^skipped: first deploy/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });

    const stop = nx(root, ['run', 'backend:deploy:staging', '--stop', '--outputStyle=static']);
    expect(stop.status).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

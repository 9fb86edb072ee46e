/**
 * Rollback restores data (rollback.restoreData), on SQLite and on PostgreSQL, with the real
 * backend: v1 serves seeded data; v2-newschema migrates the database to a newer schema, drops
 * every document on the way and fails its smoke test; the deploy rolls back to v1 and restores
 * the pre-deploy backup, so v1 finds its schema and its documents again. Real HAProxy and
 * Prometheus (the local provider), real `python -m customercare backup | restore | schema`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { executorTools, freePort, resolveTool } from '@customercare/nx-core';
import { executorContext } from '@customercare/nx-core/testing';
import { deploy, prepare } from './executor';
import { startPostgres } from './testing/postgres';
import { stopLocalEnvironment } from './providers/local';

for (const tool of ['haproxy', 'prometheus', 'postgres']) resolveTool(tool, executorTools());

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..');
const BACKEND = join(WORKSPACE_ROOT, 'apps', 'backend');
const PYTHON = join(WORKSPACE_ROOT, '.venv', 'bin', 'python');
const FIXTURES = join(__dirname, 'fixtures', 'backend');

/** Runs the backend's CLI against the environment's database; returns stdout. */
function backend(env: Record<string, string>, ...args: string[]): string {
  const result = spawnSync(PYTHON, ['-m', 'customercare', ...args], {
    cwd: BACKEND,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`customercare ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function documentCount(env: Record<string, string>): number {
  const code =
    'from sqlalchemy import create_engine, text\n' +
    'from customercare.db import normalise_url\n' +
    'from customercare.settings import Settings\n' +
    'e = create_engine(normalise_url(Settings.from_env().with_defaults().database_url))\n' +
    'with e.connect() as c: print(c.execute(text("SELECT count(*) FROM documents")).scalar())\n';
  const result = spawnSync(PYTHON, ['-c', code], { cwd: BACKEND, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`counting documents failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

function workspace(port: number, releaseEnv: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'deploy-data-'));
  mkdirSync(join(root, 'svc'), { recursive: true });
  copyFileSync(join(WORKSPACE_ROOT, 'gates.json'), join(root, 'gates.json'));
  const cli = [PYTHON, '-m', 'customercare'];
  const config = {
    service: 'svc',
    backup: {
      command: [...cli, 'backup'],
      restore: [...cli, 'restore', '--no-migrate', '{backup}'],
      schema: [...cli, 'schema'],
      timeout: '60s',
    },
    // Generous: importing the app took 42 s at a load average of 28 on this machine's 2 cores.
    health: { paths: ['/health'], timeout: '180s' },
    smoke: [{ path: '/ready', status: 200 }],
    environments: {
      production: {
        provider: 'local',
        url: `http://127.0.0.1:${port}`,
        rollback: { restoreData: true },
        steps: [{ weight: 100 }],
        local: {
          command: [PYTHON, join(FIXTURES, 'release.py'), '{version}'],
          env: { ...releaseEnv, PYTHONPATH: join(BACKEND, 'src') },
          drain: '200ms',
        },
      },
    },
  };
  writeFileSync(join(root, 'svc', 'deploy.yml'), stringify(config));
  return { root, context: executorContext(root, 'svc', 'svc', 'deploy') };
}

describe.each(['sqlite', 'postgresql'])('a rollback restores the data on %s', (database) => {
  let ws: ReturnType<typeof workspace>;
  let releaseEnv: Record<string, string>;
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'deploy-data-db-'));
    postgres = database === 'postgresql' ? await startPostgres() : undefined;
    releaseEnv = {
      DATA_DIR: dataDir,
      WEB_CONCURRENCY: '1',
      ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    };
    ws = workspace(await freePort(), releaseEnv);
    backend(releaseEnv, 'seed');
  }, 120_000);

  afterAll(async () => {
    await stopLocalEnvironment(join(ws.root, 'tmp', 'deploy', 'svc', 'production'), ws.root);
    await postgres?.stop();
    rmSync(ws.root, { recursive: true, force: true });
    rmSync(releaseEnv.DATA_DIR, { recursive: true, force: true });
  }, 60_000);

  it('records v1 at the seeded schema, then rolls a destructive v2 back with v1 data intact', async () => {
    const head = backend(releaseEnv, 'schema').trim();
    expect(head).toMatch(/^0001/);
    expect(documentCount(releaseEnv)).toBe(5);

    const first = await deploy(prepare({ environment: 'production' }, ws.context, 'deploy'), 'v1');
    expect({ outcome: first.report.outcome, failure: first.report.failure }).toEqual({
      outcome: 'promoted',
      failure: undefined,
    });
    expect(first.report.data?.schema).toBe(head);

    const second = await deploy(prepare({ environment: 'production' }, ws.context, 'deploy'), 'v2-newschema');
    expect(second.report.outcome).toBe('rolled-back');
    expect(second.report.failure?.phase).toBe('smoke');
    expect(second.report.data?.restore).toMatchObject({
      status: 'restored',
      fromSchema: '0002_fixture_newer',
      toSchema: head,
    });
    expect(second.report.phases.find((p) => p.phase === 'backup')?.detail).toContain(`(schema ${head})`);
    expect(backend(releaseEnv, 'schema').trim()).toBe(head);
    expect(documentCount(releaseEnv)).toBe(5);
    // v1 serves on the restored data.
    const answer = await fetch(`${prepare({ environment: 'production' }, ws.context, 'deploy').env.url}/ready`);
    expect(answer.status).toBe(200);
    // The report confirms it for people.
    const markdown = readFileSync(join(ws.root, 'reports', 'svc', 'deploy', 'production', 'deploy-report.md'), 'utf8');
    expect(markdown).toMatch(
      /\*\*Data:\*\* restored: restored tmp\/deploy\/svc\/production\/backups\/.+ \(taken .+, before v2-newschema was deployed\): schema 0002_fixture_newer -> 0001/,
    );
  }, 900_000);
});

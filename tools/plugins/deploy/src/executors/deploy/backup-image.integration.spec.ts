/**
 * What production's backup job runs (docs/plugins/deploy.md, "Production wiring"): the backend image's own
 * `python -m customercare backup`, which for PostgreSQL is pg_dump from the image's base
 * (tools/base-images/python.packages: postgresql-client-15), and `restore` (pg_restore). Here in the image the
 * docker target last built, as its own user, with the host's network, against a private PostgreSQL on loopback.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executorTools, resolveTool, runTool } from '@customercare/nx-core';
import { podmanEnv } from '@customercare/nx-container/lib';
import { startPostgres } from './testing/postgres';

for (const tool of ['podman', 'postgres']) resolveTool(tool, executorTools());

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..');
const IMAGE_RECORD = join(WORKSPACE_ROOT, 'reports/apps/backend/docker/image.json');

describe("the backend image's backup and restore on PostgreSQL (the production backup job's command)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'backup-image-'));
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let image = '';

  /** One command in a throw-away container of the image: host network, /backups mounted, the database's URL. */
  async function inImage(...argv: string[]): Promise<string> {
    const url = postgres?.url ?? '';
    const result = await runTool(
      {
        label: `podman run backend ${argv.slice(0, 4).join(' ')}`,
        command: 'podman',
        args: [
          'run',
          '--rm',
          '--network=host',
          '--volume',
          `${dir}:/backups:U`,
          '--env',
          `DATABASE_URL=${url}`,
          '--env',
          'ENVIRONMENT=development',
          '--env',
          'DATA_DIR=/backups',
          '--env',
          'BACKUP_DIR=/backups',
          image,
          ...argv,
        ],
        cwd: WORKSPACE_ROOT,
        env: { ...process.env, ...podmanEnv(WORKSPACE_ROOT) },
      },
      { stdout: 'capture', stderr: 'capture', secrets: [url], timeoutMs: 120_000 },
    );
    if (result.exitCode !== 0) {
      throw new Error(`${argv.join(' ')} in the image exited ${result.exitCode}: ${result.stderr.trim().slice(-500)}`);
    }
    return result.stdout.trim();
  }
  const documents = async () =>
    Number(await inImage('psql', postgres?.url ?? '', '-tAc', 'SELECT count(*) FROM documents'));

  beforeAll(async () => {
    if (!existsSync(IMAGE_RECORD)) {
      throw new Error(`${IMAGE_RECORD} is missing: build the backend image first (npx nx run backend:docker).`);
    }
    image = (JSON.parse(readFileSync(IMAGE_RECORD, 'utf8')) as { id: string }).id;
    postgres = await startPostgres();
  }, 60_000);

  afterAll(async () => {
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up with pg_dump inside the image, and restores what was lost with pg_restore', async () => {
    expect(await inImage('pg_dump', '--version')).toMatch(/^pg_dump \(PostgreSQL\) 15\./);
    await inImage('python', '-m', 'customercare', 'migrate');
    await inImage('python', '-m', 'customercare', 'seed');
    const seeded = await documents();
    expect(seeded).toBeGreaterThan(0);

    expect(await inImage('python', '-m', 'customercare', 'backup')).toMatch(
      /^backup written to \/backups\/customercare-\d{8}T\d{6}Z\.dump$/,
    );
    const dumps = readdirSync(dir).filter((name) => name.endsWith('.dump'));
    expect(dumps).toHaveLength(1);
    // pg_dump's custom format, not an empty or SQLite file.
    expect(readFileSync(join(dir, dumps[0])).subarray(0, 5).toString()).toBe('PGDMP');

    await inImage('psql', postgres?.url ?? '', '-c', 'DELETE FROM chunks', '-c', 'DELETE FROM documents');
    expect(await documents()).toBe(0);
    expect(await inImage('python', '-m', 'customercare', 'restore', '--no-migrate', `/backups/${dumps[0]}`)).toMatch(
      /^database restored from /,
    );
    expect(await documents()).toBe(seeded);
  }, 300_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..', '..');
const BACKEND = join(WORKSPACE_ROOT, 'apps', 'backend');
const PYTHON = join(WORKSPACE_ROOT, '.venv', 'bin', 'python');
const FIXTURE = join(__dirname, '..', 'fixtures', 'backend', 'postgres.py');

/**
 * The backend's own private PostgreSQL (apps/backend/tests/integration/servers.py: initdb on a free
 * loopback port), with a `rehearsal` database; stopped and deleted when `stop()` closes its stdin.
 */
export async function startPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(PYTHON, [FIXTURE], {
    cwd: BACKEND,
    env: { ...process.env, PYTHONPATH: BACKEND },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('error', (error) => reject(new Error(`the PostgreSQL fixture could not start: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`the PostgreSQL fixture exited ${code} before it was ready`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}

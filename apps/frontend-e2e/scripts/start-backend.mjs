// Playwright's webServer for the API: a fresh SQLite database in a temporary folder, seeded
// (`python -m customercare seed`: workspace, admin, widget key ccg_demo_widget_key, sample articles),
// then `python -m customercare serve` on 127.0.0.1:$E2E_API_PORT. The folder is removed on exit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const python = process.env.CCG_PYTHON ?? join(workspaceRoot, '.venv/bin/python');
const widget = join(workspaceRoot, 'apps/frontend/dist/widget/widget.js');
const fail = (message) => {
  console.error(`[e2e backend] ${message}`);
  process.exit(1);
};
if (!existsSync(python)) fail(`${python} does not exist: run \`npm run setup\` (creates .venv), or set CCG_PYTHON.`);
if (!existsSync(widget))
  fail(`${widget} is missing: run \`npx nx build frontend\` first (the e2e target depends on it).`);
if (!process.env.E2E_API_PORT) fail('E2E_API_PORT is not set: start this through playwright.config.ts.');

const dataDir = mkdtempSync(join(tmpdir(), 'customercare-e2e-'));
const env = {
  ...process.env,
  ENVIRONMENT: 'test',
  HOST: '127.0.0.1',
  PORT: process.env.E2E_API_PORT,
  DATA_DIR: dataDir,
  DATABASE_URL: `sqlite:///${join(dataDir, 'customercare.db')}`,
  WIDGET_BUNDLE_PATH: widget,
  LOG_LEVEL: 'WARNING',
};
const cleanUp = () => rmSync(dataDir, { recursive: true, force: true });

const seeded = spawnSync(python, ['-m', 'customercare', 'seed'], { cwd: workspaceRoot, env, stdio: 'inherit' });
if (seeded.status !== 0) {
  cleanUp();
  fail(`\`python -m customercare seed\` failed (exit ${seeded.status}); see its output above.`);
}

const server = spawn(python, ['-m', 'customercare', 'serve'], { cwd: workspaceRoot, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => {
  cleanUp();
  process.exit(signal ? 0 : (code ?? 1));
});

import { defineConfig, devices } from '@playwright/test';
import { join } from 'node:path';
import { freePort } from './src/ports';

// Debian's Chromium, never a downloaded one (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1; installed by
// tools/scripts/setup.d/50-chromium.sh).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const apiPort = freePort('E2E_API_PORT');
const consolePort = freePort('E2E_CONSOLE_PORT');
const shopPort = freePort('E2E_SHOP_PORT');
// Relative (Playwright resolves it from this folder, the e2e targets' cwd): @nx/playwright copies
// these paths into the e2e-ci targets' command and env, and an absolute one would make their Nx
// hash differ in every clone, so no other runner could reuse them from the remote cache.
const reports = '../../reports/apps/frontend-e2e/e2e';

const apiUrl = `http://127.0.0.1:${apiPort}`;
/** The customer's site, on its own origin (the seeded widget key allows http://127.0.0.1:*). */
process.env.E2E_SHOP_URL = `http://127.0.0.1:${shopPort}/shop.html`;

export default defineConfig({
  testDir: './src',
  outputDir: join(reports, 'test-results'),
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    ['list'],
    ['junit', { outputFile: join(reports, 'junit.xml') }],
    ['html', { outputFolder: join(reports, 'html'), open: 'never' }],
  ],
  use: {
    baseURL: `http://127.0.0.1:${consolePort}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
  webServer: [
    {
      name: 'api',
      command: 'node scripts/start-backend.mjs',
      url: `${apiUrl}/ready`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      // SIGTERM, not Playwright's default SIGKILL of the process group: start-backend.mjs then
      // stops the API and removes its temporary database folder (killed, it left one per run).
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'console',
      // The built console (nx build frontend), its /api proxied to the API above.
      command: `npx vite preview --port ${consolePort} --strictPort`,
      cwd: '../frontend',
      env: { CCG_API_URL: apiUrl },
      url: `http://127.0.0.1:${consolePort}/login`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      name: 'shop',
      command: 'node scripts/serve-shop.mjs',
      env: { E2E_API_URL: apiUrl },
      url: process.env.E2E_SHOP_URL,
      reuseExistingServer: false,
      timeout: 10_000,
    },
  ],
});

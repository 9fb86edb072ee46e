// Playwright's webServer for the customer's site: one plain HTML page (src/fixtures/shop.html) on its
// own loopback origin, embedding widget.js from the API with one <script> tag. A real server rather
// than page.route: Chromium's local-network-access checks only let a page that really came from
// loopback load scripts from the loopback API.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const { E2E_SHOP_PORT: port, E2E_API_URL: apiUrl, SEED_WIDGET_KEY: widgetKey = 'ccg_demo_widget_key' } = process.env;
if (!port || !apiUrl) {
  console.error('[e2e shop] E2E_SHOP_PORT and E2E_API_URL must be set: start this through playwright.config.ts.');
  process.exit(1);
}
const page = readFileSync(join(import.meta.dirname, '../src/fixtures/shop.html'), 'utf8')
  .replaceAll('__API_URL__', apiUrl)
  .replaceAll('__WIDGET_KEY__', widgetKey);

createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/shop.html') {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
  } else {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`[e2e shop] http://127.0.0.1:${port}/shop.html`));

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a built front end read-only on 127.0.0.1 for the crawler: files under `dir`, and
 * index.html for any other path (a single-page app's routes). Nothing outside `dir` is served.
 */
export async function serveStatic(dir: string): Promise<StaticSite> {
  const root = normalize(dir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) throw new Error(`No index.html in ${dir}: build the pages first.`);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://placeholder').pathname);
    const file = normalize(join(root, path));
    const inside = file === root || file.startsWith(root + sep);
    const chosen = inside && existsSync(file) && statSync(file).isFile() ? file : index;
    response.writeHead(200, { 'content-type': TYPES[extname(chosen)] ?? 'application/octet-stream' });
    response.end(request.method === 'HEAD' ? undefined : readFileSync(chosen));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The static server has no port.');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { randomBytes } from 'node:crypto';
import { READ_ONLY_TOKEN, READ_WRITE_TOKEN, bearer } from './cache-server';

/**
 * The cache API's contract as Nx's client relies on it (see server.ts), checked against any URL:
 * a replica, or the balancer in front of replicas. `hash` must be new to the store.
 */
export async function checkConformance(url: string, hash: string): Promise<void> {
  const entry = `${url}/v1/cache/${hash}`;
  const artifact = randomBytes(256 * 1024);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(entry, { headers: bearer(READ_WRITE_TOKEN) })).status).toBe(404);
  const unauthorized = await fetch(entry);
  expect(unauthorized.status).toBe(401);
  expect(unauthorized.headers.get('content-type')).toBe('text/plain');
  expect(
    (await fetch(entry, { method: 'PUT', body: Buffer.from('pr'), headers: bearer(READ_ONLY_TOKEN) })).status,
  ).toBe(403);
  expect((await fetch(`${url}/v1/cache/not%20a%20hash`, { headers: bearer(READ_WRITE_TOKEN) })).status).toBe(400);
  expect((await fetch(entry, { method: 'PUT', body: artifact, headers: bearer(READ_WRITE_TOKEN) })).status).toBe(200);
  expect((await fetch(entry, { method: 'PUT', body: artifact, headers: bearer(READ_WRITE_TOKEN) })).status).toBe(409);
  const hit = await fetch(entry, { headers: bearer(READ_ONLY_TOKEN) });
  expect(hit.status).toBe(200);
  expect(hit.headers.get('content-type')).toBe('application/octet-stream');
  expect(hit.headers.get('content-length')).toBe(String(artifact.length));
  expect(Buffer.from(await hit.arrayBuffer()).equals(artifact)).toBe(true);
}

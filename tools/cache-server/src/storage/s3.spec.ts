import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { evict } from '../eviction';
import { READ_ONLY_TOKEN, READ_WRITE_TOKEN, bearer, cacheUrl, startTestServer, type TestServer } from '../testing/cache-server';
import { S3Storage } from './s3';

/** The S3 backend against s3rver (an S3 implementation in Node) on loopback, through the real HTTP server. */
describe('S3 storage (s3rver on 127.0.0.1)', () => {
  let s3dir: string;
  let s3: S3rver;
  let storage: S3Storage;
  let server: TestServer;

  beforeAll(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 's3rver-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'nx-cache', configs: [] }] });
    const { port } = (await s3.run()) as AddressInfo;
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    storage = new S3Storage({ bucket: 'nx-cache', prefix: 'nx/', region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true });
    server = await startTestServer([], storage);
  });
  afterAll(async () => {
    await server.close();
    await s3.close();
    await rm(s3dir, { recursive: true, force: true });
  });

  it('round-trips an artifact byte for byte, never overwrites, and refuses read-only writes', async () => {
    const artifact = randomBytes(300_000);
    const url = cacheUrl(server, '8675309');
    expect((await fetch(url, { headers: bearer(READ_WRITE_TOKEN) })).status).toBe(404);
    expect((await fetch(url, { method: 'PUT', body: artifact, headers: bearer(READ_WRITE_TOKEN) })).status).toBe(200);
    expect((await fetch(url, { method: 'PUT', body: Buffer.from('late'), headers: bearer(READ_WRITE_TOKEN) })).status).toBe(409);
    expect((await fetch(cacheUrl(server, '1'), { method: 'PUT', body: Buffer.from('pr'), headers: bearer(READ_ONLY_TOKEN) })).status).toBe(403);
    const hit = await fetch(url, { headers: bearer(READ_ONLY_TOKEN) });
    expect(hit.status).toBe(200);
    expect(Buffer.from(await hit.arrayBuffer()).equals(artifact)).toBe(true);
  });

  it('lists entries under the prefix by namespace and evicts them', async () => {
    await fetch(cacheUrl(server, '4444'), { method: 'PUT', body: Buffer.alloc(10), headers: bearer(READ_WRITE_TOKEN) });
    const keys: string[] = [];
    for await (const entry of storage.list()) keys.push(entry.key);
    expect(keys.sort()).toEqual(['main/4444', 'main/8675309']);
    const result = await evict(storage, { maxAge: 0, maxTotalSize: 100 });
    // S3 LastModified has one-second resolution, so which of two same-second entries goes first is not fixed.
    expect(result.evict.map((entry) => entry.key)).toContain('main/8675309');
    expect(result.keptBytes).toBeLessThanOrEqual(100);
    for (const entry of result.evict) expect(await storage.exists(entry.key)).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { evict } from '../eviction';
import { createLogger } from '../log';
import { startCacheServer } from '../start';
import {
  READ_ONLY_TOKEN,
  READ_WRITE_TOKEN,
  bearer,
  cacheUrl,
  startTestServer,
  type TestServer,
} from '../testing/cache-server';
import { loadConfig } from '../config';
import { S3Storage } from './s3';

/** The S3 backend against s3rver (an S3 implementation in Node) on loopback, through the real HTTP server. */
describe('S3 storage (s3rver on 127.0.0.1)', () => {
  let s3dir: string;
  let s3: S3rver;
  let storage: S3Storage;
  let server: TestServer;

  beforeAll(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 's3rver-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3dir,
      configureBuckets: [{ name: 'nx-cache', configs: [] }],
    });
    const { port } = (await s3.run()) as AddressInfo;
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    storage = new S3Storage({
      bucket: 'nx-cache',
      prefix: 'nx/',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
    });
    server = await startTestServer([], storage);
  });
  afterAll(async () => {
    await server.stop();
    await s3.close();
    await rm(s3dir, { recursive: true, force: true });
  });

  it('round-trips an artifact byte for byte, never overwrites, and refuses read-only writes', async () => {
    const artifact = randomBytes(300_000);
    const url = cacheUrl(server, '8675309');
    expect((await fetch(url, { headers: bearer(READ_WRITE_TOKEN) })).status).toBe(404);
    expect((await fetch(url, { method: 'PUT', body: artifact, headers: bearer(READ_WRITE_TOKEN) })).status).toBe(200);
    expect(
      (await fetch(url, { method: 'PUT', body: Buffer.from('late'), headers: bearer(READ_WRITE_TOKEN) })).status,
    ).toBe(409);
    expect(
      (await fetch(cacheUrl(server, '1'), { method: 'PUT', body: Buffer.from('pr'), headers: bearer(READ_ONLY_TOKEN) }))
        .status,
    ).toBe(403);
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

describe('S3 storage in a bucket that holds other objects', () => {
  let s3dir: string;
  let s3: S3rver;
  let endpoint: string;
  let client: S3Client;
  const settings = (prefix: string) => ({
    bucket: 'shared',
    prefix,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
  });
  const others = ['photos/cat.jpg', 'readme', 'nx-cache/exports/2024/report.csv', 'nx-cache-old/main/1234'];

  beforeAll(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 's3rver-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3dir,
      configureBuckets: [{ name: 'shared', configs: [] }],
    });
    const { port } = (await s3.run()) as AddressInfo;
    endpoint = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
    for (const key of others)
      await client.send(new PutObjectCommand({ Bucket: 'shared', Key: key, Body: 'not a cache entry' }));
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
    await rm(s3dir, { recursive: true, force: true });
  });

  const start = (storage: S3Storage) =>
    startCacheServer(
      loadConfig(['--port', '0', '--storage', 's3', '--s3-bucket', 'shared', '--log-level', 'silent'], {
        CACHE_SERVER_TOKENS: `read-write:main:${READ_WRITE_TOKEN}`,
      }),
      { logger: createLogger('silent'), storage },
    );

  it('refuses the whole bucket (an empty prefix), with the fix', async () => {
    const storage = new S3Storage(settings(''));
    const refused = await start(storage).then(
      (server) => server.close().then(() => ''),
      (error: Error) => error.message,
    );
    // Which object is named first depends on the service's listing order.
    const example = /e\.g\. "([^"]+)"/.exec(refused)?.[1];
    expect(others).toContain(example);
    expect(refused.replace(`"${example}"`, '"<key>"')).toBe(
      's3://shared/ holds objects this server did not write (e.g. "<key>") and no .nx-cache-server marker, ' +
        'so eviction could delete them. Pass --s3-prefix nx-cache/ (a prefix of its own) or use a bucket of its own; ' +
        "if they are the cache of an earlier cache-server, mark them as the server's own: " +
        'aws s3api put-object --bucket shared --key .nx-cache-server',
    );
    storage.destroy();
  });

  it('evicts only its own entries under a prefix of its own', async () => {
    const storage = new S3Storage(settings('cache/'));
    const server = await start(storage);
    try {
      expect(
        (
          await fetch(cacheUrl(server, '2024'), {
            method: 'PUT',
            body: Buffer.alloc(10),
            headers: bearer(READ_WRITE_TOKEN),
          })
        ).status,
      ).toBe(200);
      await client.send(
        new PutObjectCommand({ Bucket: 'shared', Key: 'cache/exports/2024/report.csv', Body: 'not a cache entry' }),
      );
      const result = await evict(storage, { maxAge: 0, maxTotalSize: 1 });
      expect(result.evict.map((entry) => entry.key)).toEqual(['main/2024']);
      for (const key of [...others, 'cache/exports/2024/report.csv', 'cache/.nx-cache-server']) {
        await expect(client.send(new HeadObjectCommand({ Bucket: 'shared', Key: key }))).resolves.toBeTruthy();
      }
    } finally {
      await server.close();
    }
  });
});

import { PassThrough } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { startCacheServer, type RunningCacheServer, type SweepResult } from '../start';
import { READ_WRITE_TOKEN } from '../testing/cache-server';
import { startTestS3Server, type TestS3Server } from '../testing/s3-server';
import { S3Storage } from './s3';
import type { StoredEntry } from './storage';

/** Two uploads of one key whose bodies stay half-sent until both PUTs have reached the service: a real race past the HEAD check. */
async function race(s3: TestS3Server, stores: [S3Storage, S3Storage], hash: string) {
  const bodies = [new PassThrough(), new PassThrough()];
  const puts = stores.map((storage, i) => storage.put(`main/${hash}`, bodies[i], 100_000));
  // The SDK sends a request's headers with its first body bytes.
  bodies.forEach((body, i) => body.write(Buffer.alloc(50_000, i + 1)));
  await s3.waitForPuts(`nx/main/${hash}`, 2);
  bodies.forEach((body, i) => body.end(Buffer.alloc(50_000, i + 1)));
  return Promise.all(puts);
}

describe('S3 storage shared by replicas, on a service with conditional writes', () => {
  let s3: TestS3Server;
  let stores: [S3Storage, S3Storage];
  beforeAll(async () => {
    s3 = await startTestS3Server();
    stores = [new S3Storage(s3.settings()), new S3Storage(s3.settings())];
    for (const storage of stores) await storage.claim();
  });
  afterAll(async () => {
    for (const storage of stores) storage.destroy();
    await s3.close();
  });

  it('finds that the service honours If-None-Match', () => {
    expect(stores.map((storage) => storage.conditionalWrites)).toEqual([true, true]);
  });

  it('two replicas racing on one hash past the HEAD check store exactly one artifact, whole', async () => {
    const outcomes = await race(s3, stores, '31337');
    expect([...outcomes].sort()).toEqual(['exists', 'stored']);
    const stored = await stores[0].get('main/31337');
    expect(stored).not.toBeNull();
    const chunks: Buffer[] = [];
    for await (const chunk of stored?.body ?? []) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(100_000);
    const winner = outcomes.indexOf('stored') + 1;
    expect(bytes.equals(Buffer.alloc(100_000, winner))).toBe(true);
  });

  it('gives the eviction lease to one holder until it is released', async () => {
    const first = await stores[0].acquireLease('test-a', 'replica-1', 60_000);
    expect(first.acquired).toBe(true);
    const second = await stores[1].acquireLease('test-a', 'replica-2', 60_000);
    expect(second).toMatchObject({ acquired: false, holder: 'replica-1' });
    if (first.acquired) await first.release();
    const third = await stores[1].acquireLease('test-a', 'replica-2', 60_000);
    expect(third.acquired).toBe(true);
    if (third.acquired) await third.release();
  });

  it('lets one replica take over an expired lease, and the late release of the old holder leaves it in place', async () => {
    const stale = await stores[0].acquireLease('test-b', 'killed-replica', -1_000);
    expect(stale.acquired).toBe(true);
    const taken = await stores[1].acquireLease('test-b', 'replica-2', 60_000);
    expect(taken.acquired).toBe(true);
    if (stale.acquired) await stale.release();
    expect(await stores[0].acquireLease('test-b', 'replica-3', 60_000)).toMatchObject({
      acquired: false,
      holder: 'replica-2',
    });
  });

  it('two replicas sweeping at once: one sweeps, the other skips with a log line naming the holder', async () => {
    const lines: string[][] = [[], []];
    let listingStarted!: () => void;
    const listing = new Promise<void>((done) => (listingStarted = done));
    let finishListing!: () => void;
    const held = new Promise<void>((done) => (finishListing = done));
    // Replica 1's listing waits until replica 2 has tried to sweep, so the two sweeps overlap.
    const slow = new S3Storage(s3.settings());
    const list = slow.list.bind(slow);
    let gate = false;
    slow.list = async function* (): AsyncIterable<StoredEntry> {
      if (gate) {
        listingStarted();
        await held;
      }
      yield* list();
    };
    const start = (storage: S3Storage, log: string[]) =>
      startCacheServer(
        loadConfig(['--port', '0', '--storage', 's3', '--s3-bucket', s3.bucket, '--evict-interval', '0'], {
          CACHE_SERVER_TOKENS: `read-write:main:${READ_WRITE_TOKEN}`,
        }),
        { logger: createLogger('info', (line) => log.push(line)), storage },
      );
    const replicas: RunningCacheServer[] = [
      await start(slow, lines[0]),
      await start(new S3Storage(s3.settings()), lines[1]),
    ];
    try {
      // The start-up sweeps, one after the other.
      await replicas[0].sweep();
      await replicas[1].sweep();
      gate = true;
      const first = replicas[0].sweep();
      await listing;
      const second: SweepResult = await replicas[1].sweep();
      finishListing();
      expect(second).toMatchObject({ skipped: true, holder: replicas[0].replica });
      expect('skipped' in (await first)).toBe(false);
      const skippedLines = lines[1].map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(skippedLines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          msg: 'eviction sweep skipped: another replica holds the eviction lease',
          holder: replicas[0].replica,
        }),
      );
      // Released at the end of the sweep: the next sweep of either replica runs.
      expect('skipped' in (await replicas[1].sweep())).toBe(false);
    } finally {
      for (const replica of replicas) await replica.close();
    }
  });
});

describe('S3 storage on a service that ignores conditional writes (s3rver as it is)', () => {
  let s3: TestS3Server;
  let stores: [S3Storage, S3Storage];
  beforeAll(async () => {
    s3 = await startTestS3Server({ conditionalWrites: false });
    stores = [new S3Storage(s3.settings()), new S3Storage(s3.settings())];
    for (const storage of stores) await storage.claim();
  });
  afterAll(async () => {
    for (const storage of stores) storage.destroy();
    await s3.close();
  });

  it('finds that it does not honour If-None-Match, so the server can warn', () => {
    expect(stores.map((storage) => storage.conditionalWrites)).toEqual([false, false]);
  });

  it('documented limit: two writers racing past the HEAD check both write, and one whole artifact remains', async () => {
    expect(await race(s3, stores, '4242')).toEqual(['stored', 'stored']);
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true });
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'nx/main/4242' }));
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect([1, 2].some((fill) => bytes.equals(Buffer.alloc(100_000, fill)))).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('warns at start-up that racing writes and eviction sweeps are not limited to one replica', async () => {
    const log: string[] = [];
    const server = await startCacheServer(
      loadConfig(['--port', '0', '--storage', 's3', '--s3-bucket', s3.bucket], {
        CACHE_SERVER_TOKENS: `read-write:main:${READ_WRITE_TOKEN}`,
      }),
      { logger: createLogger('info', (line) => log.push(line)), storage: new S3Storage(s3.settings()) },
    );
    await server.close();
    const warnings = log.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.level === 'warn');
    expect(warnings.map((line) => line.msg)).toContainEqual(
      expect.stringContaining('the S3 service ignores conditional writes (If-None-Match/If-Match)'),
    );
  });
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsPromises from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import {
  READ_WRITE_TOKEN,
  bearer,
  cacheUrl,
  openDescriptors,
  startTestServer,
  type TestServer,
} from '../testing/cache-server';
import {
  FileSystemStorage,
  READ_CHUNK_BYTES,
  SLOW_READ_MS,
  SLOW_WRITE_MS,
  SPARE_READ_BUFFERS,
  WRITE_BATCH_BYTES,
  WRITE_BEHIND_BYTES,
} from './fs';
import { loadSendfile } from '../sendfile';
import type { StoredObject } from './storage';

/**
 * Spies on fs/promises (and fs) through its module object, which is the object the storage code calls
 * into (a default import, not `import *`, whose interop copy would not be the same object).
 */
type Call = (...args: unknown[]) => Promise<unknown>;
function around(name: 'stat' | 'open' | 'link', after: (args: unknown[], result: unknown) => Promise<void> | void) {
  const real = fsPromises[name].bind(fsPromises) as Call;
  return jest.spyOn(fsPromises, name).mockImplementation((async (...args: unknown[]) => {
    const result = await real(...args);
    await after(args, result);
    return result;
  }) as never);
}

describe('fs storage durability and atomicity', () => {
  let server: TestServer;
  beforeEach(async () => {
    // Each upload by its own fdatasync: what these tests pin. Group commit has its own, below.
    server = await startTestServer(['--group-commit', 'off']);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await server.stop();
  });
  /** A PUT through the server, with the read-write token. */
  const putThrough = (hash: string, body: Buffer | string) =>
    fetch(cacheUrl(server, hash), { method: 'PUT', body, headers: bearer(READ_WRITE_TOKEN) });

  it('answers a GET with the whole artifact even when eviction deletes the entry right after the lookup', async () => {
    const artifact = randomBytes(256 * 1024);
    expect((await putThrough('6502', artifact)).status).toBe(200);
    const entry = join(server.dir, 'main', '65', '6502');
    // Whichever call the GET makes on the entry first (stat or open, on the event loop or in the
    // thread pool), the entry is unlinked as soon as it returns: an eviction landing between the
    // lookup and the read.
    let evicted = false;
    const evictOnce = (args: unknown[]) => {
      if (evicted || args[0] !== entry) return;
      evicted = true;
      fs.unlinkSync(entry);
    };
    around('stat', evictOnce);
    around('open', evictOnce);
    for (const name of ['statSync', 'openSync'] as const) {
      const real = fs[name].bind(fs) as (...args: unknown[]) => unknown;
      jest.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
        const result = real(...args);
        evictOnce(args);
        return result;
      }) as never);
    }

    const answer = await fetch(cacheUrl(server, '6502'), { headers: bearer(READ_WRITE_TOKEN) }).then(
      async (res) => {
        const body = Buffer.from(await res.arrayBuffer());
        return { status: res.status, bytes: body.length, intact: body.equals(artifact) };
      },
      (error: Error) => ({ failed: String((error.cause as Error | undefined)?.message ?? error.message) }),
    );
    expect(evicted).toBe(true);
    expect(answer).toEqual({ status: 200, bytes: artifact.length, intact: true });
  });

  it('stores and serves an artifact of several read chunks and write batches byte for byte', async () => {
    const storage = new FileSystemStorage(join(server.dir, 'chunks'));
    const artifact = randomBytes(2 * READ_CHUNK_BYTES + 12345);
    // Uneven pieces, as a socket delivers them.
    const pieces = [
      artifact.subarray(0, 1000),
      artifact.subarray(1000, READ_CHUNK_BYTES + 5000),
      artifact.subarray(READ_CHUNK_BYTES + 5000),
    ];
    expect(await storage.put('main/4004', Readable.from(pieces), artifact.length)).toBe('stored');
    const stored = await storage.get('main/4004');
    expect(stored?.size).toBe(artifact.length);
    const chunks = (await (stored as { body: Readable }).body.toArray()) as Buffer[];
    expect(chunks.map((chunk) => chunk.length)).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES, 12345]);
    expect(Buffer.concat(chunks).equals(artifact)).toBe(true);
    await expect(storage.put('main/4005', Readable.from(pieces), artifact.length - 1)).rejects.toThrow(
      `the body had ${artifact.length} bytes but Content-Length announced ${artifact.length - 1}`,
    );
    expect(await storage.exists('main/4005')).toBe(false);
  });

  it('reads an entry on the event loop, and the rest of a file in the thread pool once a read was slow', async () => {
    const artifact = randomBytes(4 * READ_CHUNK_BYTES + 777);
    const root = join(server.dir, 'reads');
    expect(await new FileSystemStorage(root).put('main/5005', Readable.from([artifact]), artifact.length)).toBe(
      'stored',
    );
    const realReadSync = fs.readSync;
    const onLoop = jest.spyOn(fs, 'readSync');
    const inPool = jest.spyOn(fs, 'read');

    // No read is ever too slow: all five on the event loop.
    const warm = await new FileSystemStorage(root, { slowReadMs: Infinity }).get('main/5005');
    expect(Buffer.concat(await (warm as { body: Readable }).body.toArray()).equals(artifact)).toBe(true);
    expect({ onLoop: onLoop.mock.calls.length, inPool: inPool.mock.calls.length }).toEqual({ onLoop: 5, inPool: 0 });

    // The first read takes longer than the limit, as one from the disk does: the other four go to the pool.
    onLoop.mockClear();
    inPool.mockClear();
    onLoop.mockImplementationOnce(((...args: Parameters<typeof fs.readSync>) => {
      for (const until = performance.now() + SLOW_READ_MS + 3; performance.now() < until; );
      return (realReadSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.readSync);
    const cold = await new FileSystemStorage(root, { slowReadMs: SLOW_READ_MS }).get('main/5005');
    expect(Buffer.concat(await (cold as { body: Readable }).body.toArray()).equals(artifact)).toBe(true);
    expect({ onLoop: onLoop.mock.calls.length, inPool: inPool.mock.calls.length }).toEqual({ onLoop: 1, inPool: 4 });
  });

  it('writes an upload on the event loop, and the rest of it in the thread pool once a write was slow', async () => {
    const artifact = randomBytes(4 * WRITE_BATCH_BYTES + 777);
    // 64 KiB pieces, as a socket delivers them: four whole batches and a tail.
    const pieces = () =>
      Readable.from(
        Array.from({ length: Math.ceil(artifact.length / 65536) }, (_, i) =>
          artifact.subarray(i * 65536, (i + 1) * 65536),
        ),
      );
    const realWritevSync = fs.writevSync;
    const onLoop = jest.spyOn(fs, 'writevSync');
    const inPool = jest.spyOn(fs, 'writev');
    const root = join(server.dir, 'writes');

    // No write is ever too slow: all five on the event loop.
    const fast = new FileSystemStorage(root, { slowWriteMs: Infinity });
    expect(await fast.put('main/6006', pieces(), artifact.length)).toBe('stored');
    expect({ onLoop: onLoop.mock.calls.length, inPool: inPool.mock.calls.length }).toEqual({ onLoop: 5, inPool: 0 });

    // The first write takes longer than the limit, as one the kernel throttled does: the other four go to the pool.
    onLoop.mockClear();
    inPool.mockClear();
    onLoop.mockImplementationOnce(((...args: Parameters<typeof fs.writevSync>) => {
      for (const until = performance.now() + SLOW_WRITE_MS + 3; performance.now() < until; );
      return realWritevSync(...args);
    }) as typeof fs.writevSync);
    const slow = new FileSystemStorage(root, { slowWriteMs: SLOW_WRITE_MS });
    expect(await slow.put('main/6007', pieces(), artifact.length)).toBe('stored');
    expect({ onLoop: onLoop.mock.calls.length, inPool: inPool.mock.calls.length }).toEqual({ onLoop: 1, inPool: 4 });
    for (const key of ['main/6006', 'main/6007'])
      expect(Buffer.concat(await ((await fast.get(key)) as StoredObject).body.toArray()).equals(artifact)).toBe(true);
  });

  it('writes the rest of a batch when a write takes only part of it, on the event loop or in the pool', async () => {
    const artifact = randomBytes(3 * WRITE_BATCH_BYTES);
    const piece = WRITE_BATCH_BYTES / 4;
    const pieces = () =>
      Readable.from(Array.from({ length: 12 }, (_, i) => artifact.subarray(i * piece, (i + 1) * piece)));
    // The next writev on each side takes 1000 bytes only, as one does when the disk is full for a moment.
    const { writevSync, writev } = fs;
    const onLoop = jest
      .spyOn(fs, 'writevSync')
      .mockImplementationOnce((fd, buffers) => writevSync(fd, [(buffers[0] as Buffer).subarray(0, 1000)]));
    const inPool = jest
      .spyOn(fs, 'writev')
      .mockImplementationOnce(((
        fd: number,
        buffers: Buffer[],
        callback: (error: Error | null, written: number) => void,
      ) => writev(fd, [buffers[0].subarray(0, 1000)], callback)) as typeof fs.writev);
    const root = join(server.dir, 'short-writes');
    // Every write on the event loop; then the first on the loop and the rest in the pool.
    expect(
      await new FileSystemStorage(root, { slowWriteMs: Infinity }).put('main/3003', pieces(), artifact.length),
    ).toBe('stored');
    expect(await new FileSystemStorage(root, { slowWriteMs: -1 }).put('main/3004', pieces(), artifact.length)).toBe(
      'stored',
    );
    expect({ onLoop: onLoop.mock.calls.length, inPool: inPool.mock.calls.length }).toEqual({ onLoop: 4, inPool: 2 });
    for (const key of ['main/3003', 'main/3004']) {
      const stored = (await new FileSystemStorage(root).get(key)) as StoredObject;
      expect(Buffer.concat(await stored.body.toArray()).equals(artifact)).toBe(true);
    }
  });

  it('reads the next GET into the buffers given back, and takes back only its own, once each', async () => {
    const root = join(server.dir, 'spares');
    const storage = new FileSystemStorage(root);
    const artifact = randomBytes(2 * READ_CHUNK_BYTES + 100);
    expect(await storage.put('main/9009', Readable.from([artifact]), artifact.length)).toBe('stored');
    // Each GET's chunks, read to the end.
    const read = async (from: FileSystemStorage, gets: number) => {
      const entries = await Promise.all(Array.from({ length: gets }, () => from.get('main/9009')));
      return Promise.all(entries.map(async (entry) => (await (entry as StoredObject).body.toArray()) as Buffer[]));
    };
    const probe = (await storage.get('main/9009')) as Required<StoredObject>;
    probe.body.destroy();
    const { recycle } = probe;
    const [chunks] = await read(storage, 1);
    expect(Buffer.concat(chunks).equals(artifact)).toBe(true);
    // Given back: the three chunks (one of them twice), a buffer the storage never allocated, and
    // a chunk of another storage.
    const [[foreign]] = await read(new FileSystemStorage(root), 1);
    for (const chunk of [...chunks, chunks[0], Buffer.allocUnsafeSlow(READ_CHUNK_BYTES), foreign]) recycle(chunk);

    // Two GETs at once need six buffers: three are the spares, three are new.
    const [a, b] = await read(storage, 2);
    expect(Buffer.concat(a).equals(artifact) && Buffer.concat(b).equals(artifact)).toBe(true);
    const again = [...a, ...b];
    const mine = new Set(chunks.map((chunk) => chunk.buffer));
    expect(again.filter((chunk) => mine.has(chunk.buffer))).toHaveLength(3);
    expect(new Set(again.map((chunk) => chunk.buffer)).size).toBe(6);
    expect(again.some((chunk) => chunk.buffer === foreign.buffer)).toBe(false);

    // Never more than SPARE_READ_BUFFERS kept.
    const held = (await read(storage, SPARE_READ_BUFFERS)).flat();
    held.forEach(recycle);
    const reread = (await read(storage, SPARE_READ_BUFFERS)).flat();
    const kept = new Set(held.map((chunk) => chunk.buffer));
    expect(reread.filter((chunk) => kept.has(chunk.buffer))).toHaveLength(SPARE_READ_BUFFERS);
  });

  it('gives a GET buffer back only once its bytes are sent: slow clients of different entries each get their own bytes', async () => {
    // More than loopback's socket buffers hold, so each response waits in the server for its
    // client while the others read into the spares.
    const artifacts = Array.from({ length: 4 }, () => randomBytes(24 * 1024 * 1024 + 3));
    for (const [i, artifact] of artifacts.entries()) {
      const put = await putThrough(`b1${i}`, artifact);
      expect(put.status).toBe(200);
    }
    const { port } = new URL(server.url);
    const slowGet = (hash: string, delay: number) =>
      new Promise<Buffer>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: `/v1/cache/${hash}`, headers: bearer(READ_WRITE_TOKEN) }, (res) => {
          const parts: Buffer[] = [];
          // Reads a piece, then waits: the server's writes back up behind it.
          res.on('data', (part: Buffer) => {
            parts.push(part);
            res.pause();
            setTimeout(() => res.resume(), delay);
          });
          res.on('end', () => resolve(Buffer.concat(parts)));
          res.on('error', reject);
        }).on('error', reject);
      });
    const bodies = await Promise.all(artifacts.map((_, i) => slowGet(`b1${i}`, 1 + i)));
    expect(bodies.map((body, i) => body.equals(artifacts[i]))).toEqual([true, true, true, true]);
  });

  it('closes the entry when the client hangs up in the middle of a GET', async () => {
    // More than loopback's socket buffers hold, so the server is still reading when the client goes.
    const artifact = randomBytes(32 * 1024 * 1024);
    const put = await putThrough('7007', artifact);
    expect(put.status).toBe(200);
    const entry = join(server.dir, 'main', '70', '7007');
    const openOnEntry = () => openDescriptors(entry);
    const { port } = new URL(server.url);
    const openWhenCut = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`GET /v1/cache/7007 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${READ_WRITE_TOKEN}\r\n\r\n`),
      );
      socket.once('data', () => {
        socket.destroy();
        resolve(openOnEntry());
      });
      socket.on('error', reject);
    });
    expect(openWhenCut).toBe(1);
    for (let waited = 0; openOnEntry() > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(openOnEntry()).toBe(0);
  });

  /**
   * Records every fsync and fdatasync (by the path the file was opened with) and every link, in
   * order; `failDatasync(n)` makes the n-th fdatasync fail with EIO.
   */
  function recordSyncs(): {
    events: string[];
    failDatasync: (nth: number) => void;
    holdDatasyncs: () => () => void;
  } {
    const events: string[] = [];
    // While set, fdatasyncs wait in here until released.
    let held: (() => void)[] | undefined;
    const pathOfFd = new Map<number, string>();
    let failAt = 0;
    let datasyncs = 0;
    const { openSync, linkSync, fsync, fdatasync } = fs;
    jest.spyOn(fs, 'openSync').mockImplementation(((path: string, ...rest: unknown[]) => {
      const fd = (openSync as (...args: unknown[]) => number)(path, ...rest);
      pathOfFd.set(fd, String(path));
      return fd;
    }) as typeof fs.openSync);
    jest.spyOn(fs, 'linkSync').mockImplementation((existing, created) => {
      linkSync(existing, created);
      events.push(`link ${String(existing)} ${String(created)}`);
    });
    for (const [method, real] of [
      ['fsync', fsync],
      ['fdatasync', fdatasync],
    ] as const) {
      jest.spyOn(fs, method).mockImplementation(((fd: number, callback: (error: Error | null) => void) => {
        events.push(`sync ${pathOfFd.get(fd) ?? `fd ${fd}`}`);
        if (method === 'fdatasync' && ++datasyncs === failAt) {
          process.nextTick(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
          return;
        }
        if (held) held.push(() => real(fd, callback));
        else real(fd, callback);
      }) as typeof fs.fsync);
    }
    return {
      events,
      failDatasync: (nth) => {
        failAt = nth;
      },
      holdDatasyncs: () => {
        held = [];
        return () => {
          const waiting = held ?? [];
          held = undefined;
          waiting.forEach((run) => run());
        };
      },
    };
  }

  it('answers a PUT once its bytes are written and commits it after; a GET or PUT of the key waits for the commit', async () => {
    const { events, holdDatasyncs } = recordSyncs();
    const release = holdDatasyncs();
    const artifact = randomBytes(300 * 1024);
    const put = await putThrough('c0ffee', artifact);
    // Answered while its fdatasync is still held: the entry is not in place yet.
    expect(put.status).toBe(200);
    const final = join(server.dir, 'main', 'c0', 'c0ffee');
    expect({ linked: fs.existsSync(final), syncs: events.filter((event) => event.startsWith('sync ')).length }).toEqual(
      {
        linked: false,
        syncs: 1,
      },
    );

    const answered: string[] = [];
    const get = fetch(cacheUrl(server, 'c0ffee'), { headers: bearer(READ_WRITE_TOKEN) }).then(async (res) => {
      answered.push(`GET ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    });
    const again = putThrough('c0ffee', artifact).then((res) => answered.push(`PUT ${res.status}`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toEqual([]);

    release();
    const body = await get;
    await again;
    expect(answered.sort()).toEqual(['GET 200', 'PUT 409']);
    expect(body.equals(artifact)).toBe(true);
    const linkAt = events.findIndex((event) => event.startsWith('link '));
    expect(events.slice(0, linkAt)).toEqual([events[0]]);
    expect(events[0]).toMatch(/^sync .*\.part$/);
  });

  it('stores one of two uploads of a key racing from two servers sharing the folder, and tells the other "exists"', async () => {
    const { holdDatasyncs } = recordSyncs();
    const root = join(server.dir, 'shared');
    const [first, second] = [new FileSystemStorage(root), new FileSystemStorage(root)];
    // Both are written before either is linked: each passes the check for an entry, and the
    // links decide.
    const release = holdDatasyncs();
    const written: string[] = [];
    const a = first.put('main/7337', Readable.from([Buffer.from('from first')]), 10, () => written.push('first'));
    const b = second.put('main/7337', Readable.from([Buffer.from('from second')]), 11, () => written.push('second'));
    for (let waited = 0; written.length < 2 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(written.sort()).toEqual(['first', 'second']);
    release();
    const outcomes = { first: await a, second: await b };
    expect(Object.values(outcomes).sort()).toEqual(['exists', 'stored']);
    const winner = outcomes.first === 'stored' ? 'from first' : 'from second';
    const entry = (await first.get('main/7337')) as StoredObject;
    expect(Buffer.concat(await entry.body.toArray()).toString()).toBe(winner);
    expect(fs.readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('fails an upload whose commit failed after `written`, and leaves neither the entry nor its partial file', async () => {
    const { events, failDatasync } = recordSyncs();
    failDatasync(1);
    const root = join(server.dir, 'commit-fails');
    const storage = new FileSystemStorage(root);
    const written = jest.fn();
    await expect(storage.put('main/5115', Readable.from([Buffer.from('artifact')]), 8, written)).rejects.toThrow('EIO');
    expect(written).toHaveBeenCalledTimes(1);
    expect(await storage.get('main/5115')).toBeNull();
    expect(events.some((event) => event.startsWith('link '))).toBe(false);
    expect(fs.readdirSync(join(root, '.tmp'))).toEqual([]);
    // The next upload of the key is stored.
    expect(await storage.put('main/5115', Readable.from([Buffer.from('artifact')]), 8)).toBe('stored');
    expect(Buffer.concat(await ((await storage.get('main/5115')) as StoredObject).body.toArray()).toString()).toBe(
      'artifact',
    );
  });

  it('counts and logs an upload answered 200 whose commit then failed', async () => {
    const { failDatasync } = recordSyncs();
    failDatasync(1);
    const put = await putThrough('d00d', 'artifact');
    expect(put.status).toBe(200);
    // The failure comes after the answer: wait for the server to have counted it.
    let metrics = '';
    for (let waited = 0; waited < 5000 && !/^nx_cache_commit_failures_total 1$/m.test(metrics); waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      metrics = await (await fetch(`${server.url}/metrics`)).text();
    }
    expect(metrics).toMatch(/^nx_cache_commit_failures_total 1$/m);
    expect(metrics).not.toMatch(/^nx_cache_stores_total\{namespace="main"\} 1$/m);
    const logged = server.rawLogs.filter((line) => line.includes('could not be stored'));
    expect(logged).toEqual([expect.stringContaining('main/d00d')]);
    expect((await fetch(cacheUrl(server, 'd00d'), { headers: bearer(READ_WRITE_TOKEN) })).status).toBe(404);
  });

  it('fdatasyncs a stored entry before linking it into place, and syncs nothing after', async () => {
    const { events } = recordSyncs();
    const root = join(server.dir, 'durable');
    const storage = new FileSystemStorage(root);
    expect(await storage.put('main/8088', Readable.from([Buffer.from('artifact')]), 8)).toBe('stored');

    const final = join(root, 'main', '80', '8088');
    const linkAt = events.findIndex((event) => event.startsWith('link '));
    const [, tmp, linked] = events[linkAt].split(' ');
    expect({ folder: dirname(tmp), linked }).toEqual({ folder: join(root, '.tmp'), linked: final });
    expect(tmp).toMatch(/\/[0-9a-f]{16}\.\d+@[^/]+\.part$/);
    expect(events.slice(0, linkAt)).toEqual([`sync ${tmp}`]);
    // The folders are left to the file system's own commit (see FileSystemStorage).
    expect(events.slice(linkAt + 1)).toEqual([]);
    const stored = await storage.get('main/8088');
    expect(stored?.size).toBe(8);
    expect(Buffer.concat(await (stored as { body: Readable }).body.toArray()).toString()).toBe('artifact');
  });

  it('flushes a large upload in the background while it arrives (write-behind), then once more before the link', async () => {
    const { events } = recordSyncs();
    const storage = new FileSystemStorage(join(server.dir, 'write-behind'));
    const artifact = randomBytes(3 * WRITE_BEHIND_BYTES + 12345);
    // Paced like a network body: 64 KiB chunks, each after a turn of the event loop, so a
    // background flush can run while the next chunks come.
    async function* paced() {
      for (let at = 0; at < artifact.length; at += 64 * 1024) {
        await new Promise((resolve) => setImmediate(resolve));
        yield artifact.subarray(at, at + 64 * 1024);
      }
    }
    expect(await storage.put('main/9099', Readable.from(paced()), artifact.length)).toBe('stored');

    const linkAt = events.findIndex((event) => event.startsWith('link '));
    const syncs = events.slice(0, linkAt);
    // At least one background flush (one per WRITE_BEHIND_BYTES when a flush slot is free), and the
    // last one before the link, all of the upload's own file.
    expect(syncs.length).toBeGreaterThanOrEqual(2);
    expect(syncs.length).toBeLessThanOrEqual(4);
    expect(new Set(syncs).size).toBe(1);
    expect(events.slice(linkAt + 1)).toEqual([]);
    const stored = await storage.get('main/9099');
    expect(Buffer.concat(await (stored as { body: Readable }).body.toArray()).equals(artifact)).toBe(true);
  });

  it('fails an upload whose background flush failed, and leaves neither the entry nor its partial file', async () => {
    const { events, failDatasync } = recordSyncs();
    failDatasync(1);
    const root = join(server.dir, 'flush-fails');
    const storage = new FileSystemStorage(root);
    const artifact = randomBytes(3 * WRITE_BEHIND_BYTES + 4096);
    let sent = 0;
    async function* paced() {
      for (; sent < artifact.length; sent += 64 * 1024) {
        await new Promise((resolve) => setImmediate(resolve));
        yield artifact.subarray(sent, sent + 64 * 1024);
      }
    }
    await expect(storage.put('main/7117', Readable.from(paced()), artifact.length)).rejects.toThrow('EIO');
    // It stopped reading the body once the background flush had failed, not at its end.
    expect(sent).toBeLessThan(2 * WRITE_BEHIND_BYTES);
    expect(events.some((event) => event.startsWith('link '))).toBe(false);
    expect(await storage.get('main/7117')).toBeNull();
    expect(fs.readdirSync(join(root, '.tmp'))).toEqual([]);
  });
});

describe('fs storage by group commit (syncfs)', () => {
  // npm run setup builds the addon; without it these fail, not skip (see sendfile.spec.ts).
  const loaded = loadSendfile();
  const addon = () => {
    if (!('addon' in loaded)) throw new Error(loaded.problem);
    return loaded.addon;
  };
  let dir: string;
  beforeEach(async () => {
    dir = await fsPromises.mkdtemp(join(tmpdir(), 'group-commit-'));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fsPromises.rm(dir, { recursive: true, force: true });
  });

  /**
   * The addon's real syncfs and the real fdatasync, recorded in `events` (as are links); while
   * `hold` is set, either waits for `release`; `failNext` fails the next syncfs with EIO.
   */
  function recordedSyncs() {
    const events: string[] = [];
    const held: (() => void)[] = [];
    const state = { hold: false, failNext: false };
    const { linkSync, fdatasync } = fs;
    jest.spyOn(fs, 'linkSync').mockImplementation((existing, created) => {
      linkSync(existing, created);
      events.push(`link ${String(created).split('/').pop()}`);
    });
    jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: Error | null) => void) => {
      events.push('fdatasync');
      const run = () => fdatasync(fd, callback);
      if (state.hold) held.push(run);
      else run();
    }) as typeof fs.fdatasync);
    const syncfs = (fd: number) =>
      new Promise<void>((resolve, reject) => {
        events.push('syncfs');
        const run = () => {
          if (state.failNext) {
            state.failNext = false;
            reject(Object.assign(new Error('EIO: i/o error, syncfs'), { code: 'EIO' }));
            return;
          }
          addon().syncfs(fd, (error) => (error ? reject(error) : resolve()));
        };
        if (state.hold) held.push(run);
        else run();
      });
    const release = () => {
      state.hold = false;
      held.splice(0).forEach((run) => run());
    };
    return { events, syncfs, state, release };
  }

  const untilTrue = async (done: () => boolean, what: string) => {
    for (let waited = 0; !done(); waited += 10) {
      if (waited > 5000) throw new Error(`not within 5 s: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  /** A first upload whose lone fdatasync is held, and `count` more written while it is: one batch. */
  async function batchBehindOne(storage: FileSystemStorage, recorded: ReturnType<typeof recordedSyncs>, count: number) {
    recorded.state.hold = true;
    const first = storage.put('main/a001', Readable.from([Buffer.from('first')]), 5);
    await untilTrue(() => recorded.events.includes('fdatasync'), 'the first upload flushes alone');
    const written: string[] = [];
    const hashes = Array.from({ length: count }, (_, i) => `b${String(i).padStart(3, '0')}`);
    const later = hashes.map((hash) =>
      storage.put(`main/${hash}`, Readable.from([Buffer.from(hash)]), 4, () => written.push(hash)),
    );
    await untilTrue(() => written.length === hashes.length, 'the later uploads are written');
    await new Promise((resolve) => setImmediate(resolve));
    return { first, later, hashes };
  }

  it('commits a lone upload by its own fdatasync, and the uploads written meanwhile by one syncfs that begins after their writes', async () => {
    const recorded = recordedSyncs();
    const { events, syncfs, state, release } = recorded;
    const storage = new FileSystemStorage(dir, { syncfs });
    const { first, later, hashes } = await batchBehindOne(storage, recorded, 10);
    // The later uploads wait for the next sync, which must begin after their writes.
    expect(events).toEqual(['fdatasync']);
    release();
    // That sync is held in turn: nothing of the later uploads is linked before it ends.
    state.hold = true;
    expect(await first).toBe('stored');
    await untilTrue(() => events.includes('syncfs'), 'the shared sync');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...events].sort()).toEqual(['fdatasync', 'link a001', 'syncfs']);
    release();
    expect(await Promise.all(later)).toEqual(hashes.map(() => 'stored'));
    expect(events.slice(3).sort()).toEqual(hashes.map((hash) => `link ${hash}`));
    expect(storage.groupCommit?.syncs).toBe(1);
    for (const hash of hashes) {
      const entry = (await storage.get(`main/${hash}`)) as StoredObject;
      expect(Buffer.concat(await entry.body.toArray()).toString()).toBe(hash);
    }
    expect(fs.readdirSync(join(dir, '.tmp'))).toEqual([]);
  });

  it('fails every upload of a sync that failed, leaving neither entries nor partial files, and stores the next', async () => {
    const recorded = recordedSyncs();
    const { events, syncfs, state, release } = recorded;
    const storage = new FileSystemStorage(dir, { syncfs });
    const { first, later, hashes } = await batchBehindOne(storage, recorded, 2);
    state.failNext = true;
    release();
    expect(await first).toBe('stored');
    for (const outcome of await Promise.allSettled(later)) {
      expect(outcome).toEqual({ status: 'rejected', reason: expect.objectContaining({ code: 'EIO' }) });
    }
    expect([...events].sort()).toEqual(['fdatasync', 'link a001', 'syncfs']);
    for (const hash of hashes) expect(await storage.get(`main/${hash}`)).toBeNull();
    expect(fs.readdirSync(join(dir, '.tmp'))).toEqual([]);
    expect(await storage.put(`main/${hashes[0]}`, Readable.from([Buffer.from('again')]), 5)).toBe('stored');
  });

  it('creates and removes upload files in the thread pool while a syncfs runs (they wait for it), else on the event loop', async () => {
    const recorded = recordedSyncs();
    const { syncfs, state, release } = recorded;
    const onLoop: string[] = [];
    const { openSync, unlinkSync } = fs;
    jest.spyOn(fs, 'openSync').mockImplementation(((path: string, ...rest: unknown[]) => {
      if (String(path).endsWith('.part')) onLoop.push('open');
      return (openSync as (...args: unknown[]) => number)(path, ...rest);
    }) as typeof fs.openSync);
    jest.spyOn(fs, 'unlinkSync').mockImplementation((path) => {
      if (String(path).endsWith('.part')) onLoop.push('unlink');
      unlinkSync(path);
    });
    fs.mkdirSync(join(dir, '.tmp'), { recursive: true });
    const storage = new FileSystemStorage(dir, { syncfs });
    // Idle: on the loop (a trip through the pool costs more than the call).
    expect(await storage.put('main/c001', Readable.from([Buffer.from('artifact')]), 8)).toBe('stored');
    expect(onLoop).toEqual(['open', 'unlink']);
    onLoop.length = 0;
    const { first, later } = await batchBehindOne(storage, recorded, 2);
    release();
    state.hold = true;
    await first;
    await untilTrue(() => storage.groupCommit?.busy === true, 'the shared sync runs');
    // Made while the syncfs runs: in the pool.
    const during = storage.put('main/c002', Readable.from([Buffer.from('artifact')]), 8);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(onLoop.filter((call) => call === 'open')).toHaveLength(3);
    release();
    await Promise.all([...later, during]);
    expect(fs.readdirSync(join(dir, '.tmp'))).toEqual([]);
  });

  it('is what the server commits by unless --group-commit off, and says so when it listens', async () => {
    const grouped = await startTestServer();
    const single = await startTestServer(['--group-commit', 'off']);
    try {
      const listening = (server: TestServer) => server.logs.find((line) => line.msg === 'listening');
      expect(listening(grouped)).toEqual(expect.objectContaining({ groupCommit: true }));
      expect(listening(single)).toEqual(expect.objectContaining({ groupCommit: false }));
      const artifact = randomBytes(100 * 1024);
      for (const server of [grouped, single]) {
        const put = await fetch(cacheUrl(server, 'abc1'), {
          method: 'PUT',
          body: artifact,
          headers: bearer(READ_WRITE_TOKEN),
        });
        expect(put.status).toBe(200);
        await untilTrue(() => fs.existsSync(join(server.dir, 'main', 'ab', 'abc1')), 'the entry linked');
        const body = Buffer.from(
          await (await fetch(cacheUrl(server, 'abc1'), { headers: bearer(READ_WRITE_TOKEN) })).arrayBuffer(),
        );
        expect(body.equals(artifact)).toBe(true);
      }
    } finally {
      await grouped.stop();
      await single.stop();
    }
  });
});

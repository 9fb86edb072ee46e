import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';
import { createLogger } from './log';
import { evict } from './eviction';
import { startCacheServer, type RunningCacheServer } from './start';
import { FileSystemStorage } from './storage/fs';
import type { StoredEntry } from './storage/storage';
import { READ_WRITE_TOKEN } from './testing/cache-server';

/** Polls `read` until `done` holds or `ms` pass; returns the last value read. */
async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

/** A folder store whose listing (what a sweep reads first) waits until the test opens the gate. */
class GatedStorage extends FileSystemStorage {
  listed = false;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  release(): void {
    this.open();
  }

  override async *list(...args: Parameters<FileSystemStorage['list']>): AsyncIterable<StoredEntry> {
    this.listed = true;
    await this.gate;
    yield* super.list(...args);
  }
}

describe('startCacheServer', () => {
  let dir: string;
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const configFor = (root: string) =>
    loadConfig(['--port', '0', '--dir', root, '--log-level', 'debug'], {
      CACHE_SERVER_TOKENS: `read-write:main:${READ_WRITE_TOKEN}`,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cache-start-'));
    logs.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('listens before the start-up eviction sweep has finished', async () => {
    const storage = new GatedStorage(dir);
    const starting = startCacheServer(configFor(dir), { logger, storage });
    let server: RunningCacheServer | undefined;
    void starting.then((running) => {
      server = running;
    });
    try {
      // A sweep of a large store can take minutes: the server must answer meanwhile.
      expect(await eventually(() => server !== undefined, Boolean)).toBe(true);
      expect((await fetch(`${server?.url}/healthz`)).status).toBe(200);
      expect(await eventually(() => storage.listed, Boolean)).toBe(true);
      expect(logs.filter((line) => line.msg === 'eviction sweep')).toEqual([]);
    } finally {
      storage.release();
      await (await starting).close();
    }
    expect(logs.filter((line) => line.msg === 'eviction sweep')).toHaveLength(1);
  });

  it('deletes partial uploads left by a crash at start', async () => {
    const uploads = join(dir, '.tmp');
    await mkdir(uploads, { recursive: true });
    await writeFile(join(dir, '.nx-cache-server'), 'claimed by an earlier start');
    const leftover = join(uploads, '0123456789abcdef.part');
    await writeFile(leftover, Buffer.alloc(1000));
    const hourAgo = new Date(Date.now() - 3.6e6);
    await utimes(leftover, hourAgo, hourAgo);

    const server = await startCacheServer(configFor(dir), { logger });
    try {
      expect(
        await eventually(
          () => readdir(uploads),
          (files) => files.length === 0,
        ),
      ).toEqual([]);
      const sweep = await eventually(() => logs.find((line) => line.msg === 'eviction sweep'), Boolean);
      expect(sweep).toMatchObject({ abandonedUploads: 1 });
    } finally {
      await server.close();
    }
  });

  it('refuses a folder that holds files it did not write, with the fix', async () => {
    await writeFile(join(dir, 'notes.txt'), 'not a cache entry');
    await expect(startCacheServer(configFor(dir), { logger })).rejects.toThrow(
      `--dir ${dir} holds files this server did not write (notes.txt) and no .nx-cache-server marker, so eviction could delete them. ` +
        `Point --dir at an empty folder or a new one (e.g. ${join(dir, 'nx-cache')}); if it is the cache of an earlier cache-server, ` +
        `mark it as the server's own: touch ${join(dir, '.nx-cache-server')}`,
    );
  });

  it('evicts only the entries it wrote, in a folder it has marked as its own', async () => {
    // A mount point of its own holds lost+found, which is no reason to refuse it.
    await mkdir(join(dir, 'lost+found'));
    const server = await startCacheServer(configFor(dir), { logger });
    try {
      const put = (hash: string) =>
        fetch(`${server.url}/v1/cache/${hash}`, {
          method: 'PUT',
          body: Buffer.alloc(10),
          headers: { authorization: `Bearer ${READ_WRITE_TOKEN}` },
        });
      expect((await put('1234')).status).toBe(200);
      // The 200 comes before the entry is in place (see FileSystemStorage.put): eviction lists it once committed.
      await server.storage.settle?.();
      // Files that are no entry of its own, though three levels under --dir like one.
      const foreign = [
        join(dir, 'photos', '2024', 'cat.jpg'),
        join(dir, 'main', '12', '9999'),
        join(dir, 'lost+found', '00', '0042'),
      ];
      for (const file of foreign) {
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, Buffer.alloc(10));
      }
      const result = await evict(server.storage, { maxAge: 0, maxTotalSize: 1 });
      expect(result.evict.map((entry) => entry.key)).toEqual(['main/1234']);
      for (const file of foreign) expect(await readdir(join(file, '..'))).toContain(file.split('/').pop());
      expect(await readdir(dir)).toContain('.nx-cache-server');
    } finally {
      await server.close();
    }
  });
});

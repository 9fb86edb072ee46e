import fsPromises, { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { evict, planEviction } from './eviction';
import { FileSystemStorage } from './storage/fs';
import type { StoredEntry } from './storage/storage';

const DAY = 86_400_000;
const now = new Date('2026-01-31T00:00:00Z');
const entry = (key: string, size: number, daysAgo: number): StoredEntry => ({
  key,
  size,
  storedAt: new Date(now.getTime() - daysAgo * DAY),
});

describe('planEviction', () => {
  const entries = [
    entry('main/old', 10, 40),
    entry('main/mid', 30, 5),
    entry('main/new', 30, 1),
    entry('pr/older', 30, 10),
  ];

  it('removes entries older than maxAge', () => {
    const plan = planEviction(entries, { maxAge: 30 * DAY, maxTotalSize: 0 }, now);
    expect(plan.evict.map((e) => e.key)).toEqual(['main/old']);
    expect(plan).toMatchObject({ keptEntries: 3, keptBytes: 90 });
  });

  it('then removes the oldest until the total fits', () => {
    const plan = planEviction(entries, { maxAge: 30 * DAY, maxTotalSize: 60 }, now);
    expect(plan.evict.map((e) => e.key)).toEqual(['main/old', 'pr/older']);
    expect(plan.keptBytes).toBe(60);
  });

  it('counts uploads still being written toward the size limit', () => {
    const plan = planEviction(entries, { maxAge: 30 * DAY, maxTotalSize: 60 }, now, 30);
    expect(plan.evict.map((e) => e.key)).toEqual(['main/old', 'pr/older', 'main/mid']);
    expect(plan.keptBytes).toBe(30);
  });

  it('keeps everything when both limits are 0 (off)', () => {
    expect(planEviction(entries, { maxAge: 0, maxTotalSize: 0 }, now).evict).toEqual([]);
  });
});

describe('evict on the fs backend', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cache-evict-'));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  const store = async (storage: FileSystemStorage, hash: string, size: number, daysAgo: number) => {
    await storage.put(`main/${hash}`, Readable.from([Buffer.alloc(size)]), size);
    const when = new Date(now.getTime() - daysAgo * DAY);
    await utimes(join(root, 'main', hash.slice(0, 2), hash), when, when);
  };

  it('deletes what the plan picks and nothing else', async () => {
    const storage = new FileSystemStorage(root);
    for (const [hash, daysAgo] of [
      ['111', 45],
      ['222', 3],
      ['333', 2],
    ] as const) {
      await storage.put(`main/${hash}`, Readable.from([Buffer.alloc(100)]), 100);
      const when = new Date(now.getTime() - daysAgo * DAY);
      await utimes(join(root, 'main', hash.slice(0, 2), hash), when, when);
    }
    const result = await evict(storage, { maxAge: 30 * DAY, maxTotalSize: 150 }, now);
    expect(result.evict.map((e) => e.key)).toEqual(['main/111', 'main/222']);
    expect(result.freedBytes).toBe(200);
    expect(await storage.exists('main/333')).toBe(true);
    expect(await storage.exists('main/111')).toBe(false);
    await storage.touch('main/333', now);
    expect((await storage.list()[Symbol.asyncIterator]().next()).value).toMatchObject({
      key: 'main/333',
      storedAt: now,
    });
    const left: string[] = [];
    for await (const item of storage.list()) left.push(item.key);
    expect(left).toEqual(['main/333']);
  });

  it('skips a folder it cannot read, reports it, and still evicts everywhere else, sweep after sweep', async () => {
    const storage = new FileSystemStorage(root);
    await store(storage, '111', 100, 45);
    await store(storage, '222', 100, 1);
    await mkdir(join(root, 'ci', '33'), { recursive: true });
    await writeFile(join(root, 'ci', '33', '333'), Buffer.alloc(100));
    // Tests run as root, which reads any folder: the refusal a non-root server gets from a
    // root-owned folder (lost+found, a folder another user made) is injected instead.
    const unreadable = join(root, 'ci');
    const realReaddir = fsPromises.readdir.bind(fsPromises) as (...args: unknown[]) => Promise<unknown>;
    jest
      .spyOn(fsPromises, 'readdir')
      .mockImplementation(((path: string, ...rest: unknown[]) =>
        path === unreadable
          ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: 'EACCES' }))
          : realReaddir(path, ...rest)) as never);

    const first = await evict(storage, { maxAge: 30 * DAY, maxTotalSize: 0 }, now);
    expect(first.evict.map((e) => e.key)).toEqual(['main/111']);
    expect(first.problems).toEqual([{ path: unreadable, error: expect.stringContaining('EACCES') }]);
    await store(storage, '444', 100, 40);
    const second = await evict(storage, { maxAge: 30 * DAY, maxTotalSize: 0 }, now);
    expect(second.evict.map((e) => e.key)).toEqual(['main/444']);
    expect(second.problems).toHaveLength(1);
  });

  it('deletes the partial uploads of crashed or dropped uploads, and counts uploads in progress toward the size limit', async () => {
    const storage = new FileSystemStorage(root);
    await store(storage, '555', 100, 1);
    const uploads = join(root, '.tmp');
    const part = (owner: string) => `${Math.random().toString(16).slice(2, 10).padEnd(16, '0')}${owner}.part`;
    // Left by this process's predecessor (same host and pid: a restarted container), by an
    // earlier version (no owner in the name) an hour ago, and one another host is still writing.
    const crashed = part(`.${process.pid}@${hostname().replace(/[^A-Za-z0-9.-]/g, '-')}`);
    const old = part('');
    const live = part('.4242@another-host');
    for (const name of [crashed, old, live]) await writeFile(join(uploads, name), Buffer.alloc(100));
    const hourAgo = new Date(Date.now() - 3.6e6);
    await utimes(join(uploads, old), hourAgo, hourAgo);

    const result = await evict(new FileSystemStorage(root), { maxAge: 0, maxTotalSize: 150 }, now);
    expect(await readdir(uploads)).toEqual([live]);
    expect(result).toMatchObject({ abandonedUploads: 2, uploadBytes: 100, keptBytes: 0, keptEntries: 0 });
    expect(result.evict.map((e) => e.key)).toEqual(['main/555']);
  });
});

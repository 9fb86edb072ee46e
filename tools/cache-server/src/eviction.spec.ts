import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { evict, planEviction } from './eviction';
import { FileSystemStorage } from './storage/fs';
import type { StoredEntry } from './storage/storage';

const DAY = 86_400_000;
const now = new Date('2026-01-31T00:00:00Z');
const entry = (key: string, size: number, daysAgo: number): StoredEntry => ({ key, size, storedAt: new Date(now.getTime() - daysAgo * DAY) });

describe('planEviction', () => {
  const entries = [entry('main/old', 10, 40), entry('main/mid', 30, 5), entry('main/new', 30, 1), entry('pr/older', 30, 10)];

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

  it('keeps everything when both limits are 0 (off)', () => {
    expect(planEviction(entries, { maxAge: 0, maxTotalSize: 0 }, now).evict).toEqual([]);
  });
});

describe('evict on the fs backend', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cache-evict-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('deletes what the plan picks and nothing else', async () => {
    const storage = new FileSystemStorage(root);
    for (const [hash, daysAgo] of [['111', 45], ['222', 3], ['333', 2]] as const) {
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
    expect((await storage.list()[Symbol.asyncIterator]().next()).value).toMatchObject({ key: 'main/333', storedAt: now });
    const left: string[] = [];
    for await (const item of storage.list()) left.push(item.key);
    expect(left).toEqual(['main/333']);
  });
});

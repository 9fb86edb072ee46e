import { randomBytes } from 'node:crypto';
import fsPromises from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { READ_WRITE_TOKEN, bearer, cacheUrl, startTestServer, type TestServer } from '../testing/cache-server';
import { FileSystemStorage } from './fs';

/**
 * Spies on fs/promises through its module object, which is the object the storage code calls
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
    server = await startTestServer();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await server.stop();
  });

  it('answers a GET with the whole artifact even when eviction deletes the entry right after the lookup', async () => {
    const artifact = randomBytes(256 * 1024);
    expect(
      (await fetch(cacheUrl(server, '6502'), { method: 'PUT', body: artifact, headers: bearer(READ_WRITE_TOKEN) }))
        .status,
    ).toBe(200);
    const entry = join(server.dir, 'main', '65', '6502');
    // Whichever call the GET makes on the entry first (stat or open), the entry is unlinked as
    // soon as it returns: an eviction landing between the lookup and the read.
    let evicted = false;
    const evictOnce = async (args: unknown[]) => {
      if (evicted || args[0] !== entry) return;
      evicted = true;
      await fsPromises.unlink(entry);
    };
    around('stat', evictOnce);
    around('open', evictOnce);

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

  it('fsyncs a stored entry before linking it into place, and its folder after', async () => {
    const probe = await fsPromises.open(__filename, 'r');
    const fileHandle = Object.getPrototypeOf(probe) as { sync(): Promise<void>; datasync(): Promise<void> };
    await probe.close();
    const events: string[] = [];
    const pathOfFd = new Map<number, string>();
    around('open', (args, handle) => {
      pathOfFd.set((handle as { fd: number }).fd, String(args[0]));
    });
    around('link', (args) => {
      events.push(`link ${String(args[0])} ${String(args[1])}`);
    });
    for (const method of ['sync', 'datasync'] as const) {
      const real = fileHandle[method];
      jest.spyOn(fileHandle, method).mockImplementation(function (this: { fd: number }) {
        events.push(`sync ${pathOfFd.get(this.fd) ?? `fd ${this.fd}`}`);
        return real.call(this);
      });
    }

    const root = join(server.dir, 'durable');
    const storage = new FileSystemStorage(root);
    expect(await storage.put('main/8088', Readable.from([Buffer.from('artifact')]), 8)).toBe('stored');

    const final = join(root, 'main', '80', '8088');
    const linkAt = events.findIndex((event) => event.startsWith('link '));
    const [, tmp, linked] = events[linkAt].split(' ');
    expect({ folder: dirname(tmp), linked }).toEqual({ folder: join(root, '.tmp'), linked: final });
    expect(tmp).toMatch(/\/[0-9a-f]{16}\.\d+@[^/]+\.part$/);
    expect(events.slice(0, linkAt)).toContain(`sync ${tmp}`);
    // The folders the new names were written into: the shard, and the namespace and root that
    // gained a new folder on this first write.
    expect(events.slice(linkAt + 1)).toEqual(
      expect.arrayContaining([`sync ${dirname(final)}`, `sync ${dirname(dirname(final))}`, `sync ${root}`]),
    );
    const stored = await storage.get('main/8088');
    expect(stored?.size).toBe(8);
    expect(Buffer.concat(await (stored as { body: Readable }).body.toArray()).toString()).toBe('artifact');
  });
});

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet, Agent, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';
import { loadSendfile, SENDFILE_ADDON_PATH, SENDFILE_MAX_BYTES, socketFd, type SendfileAddon } from './sendfile';
import {
  bearer,
  cacheUrl,
  openDescriptors,
  READ_WRITE_TOKEN,
  startTestServer,
  type TestServer,
} from './testing/cache-server';

const TOKEN = READ_WRITE_TOKEN;

// npm run setup builds the addon (scripts/build-native.mjs); without it these tests fail, not skip:
// the GETs would go through user space and nothing here would be tested.
const loaded = loadSendfile();
const real = (): SendfileAddon => {
  if (!('addon' in loaded)) throw new Error(loaded.problem);
  return loaded.addon;
};

/** The real addon, counting its calls; `force` replaces one function's behaviour. */
function spyOn(addon: SendfileAddon, force: Partial<SendfileAddon> = {}) {
  const calls = { cork: 0, open: 0, send: 0, sendAsync: 0, wait: 0, close: 0, syncfs: 0 };
  const spy: SendfileAddon = {
    cork: (fd, on) => (calls.cork++, (force.cork ?? addon.cork)(fd, on)),
    open: (fd) => (calls.open++, (force.open ?? addon.open)(fd)),
    send: (...args) => (calls.send++, (force.send ?? addon.send)(...args)),
    sendAsync: (...args) => (calls.sendAsync++, (force.sendAsync ?? addon.sendAsync)(...args)),
    wait: (...args) => (calls.wait++, (force.wait ?? addon.wait)(...args)),
    close: (handle) => (calls.close++, (force.close ?? addon.close)(handle)),
    syncfs: (...args) => (calls.syncfs++, (force.syncfs ?? addon.syncfs)(...args)),
  };
  return { spy, calls };
}

type Server = TestServer;

/** A test server (../testing) whose GETs go through `addon`. */
const start = (
  args: string[],
  addon?: SendfileAddon,
  { slowMs, maxBytes }: { slowMs?: number; maxBytes?: number } = {},
): Promise<Server> =>
  startTestServer(args, undefined, { sendfileAddon: addon, sendfileSlowMs: slowMs, sendfileMaxBytes: maxBytes });

/** Stores `body` and waits until its entry file is in place (the 200 comes before the commit). */
async function put(server: Server, hash: string, body: Buffer): Promise<{ status: number; path: string }> {
  const { status } = await fetch(cacheUrl(server, hash), { method: 'PUT', body, headers: bearer(TOKEN) });
  const path = join(server.dir, 'main', hash.slice(0, 2), hash);
  if (status === 200) await until(() => fs.existsSync(path), `${path} in place`);
  return { status, path };
}

/** More than loopback's socket buffers take at once (several MiB): a slow client holds the server up. */
const BEYOND_SOCKET_BUFFERS = 24 * 1024 * 1024;

/** GETs on one kept-alive connection, each body read at `delayMs` per piece (0: at once). */
function getOn(agent: Agent, server: Server, hash: string, delayMs = 0): Promise<{ status: number; body: Buffer }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path: `/v1/cache/${hash}`, headers: bearer(TOKEN), agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => {
        parts.push(part);
        if (delayMs > 0) {
          res.pause();
          setTimeout(() => res.resume(), delayMs);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** One GET on a connection of its own, read at `delayMs` per piece. */
async function getAlone(server: Server, hash: string, delayMs = 0): Promise<{ status: number; body: Buffer }> {
  const agent = new Agent({ keepAlive: true });
  try {
    return await getOn(agent, server, hash, delayMs);
  } finally {
    agent.destroy();
  }
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 5000) throw new Error(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GETs by sendfile (native/sendfile.c)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('is built, and serves entries of every size up to its limit byte for byte, several on one connection', async () => {
    const { spy, calls } = spyOn(real());
    server = await start([], spy);
    expect(server.logs.find((line) => line.msg === 'listening')).toMatchObject({ sendfile: true });
    const artifacts = [1, 1000, 64 * 1024 + 7, 1024 * 1024, SENDFILE_MAX_BYTES].map((size) => randomBytes(size));
    for (const [i, artifact] of artifacts.entries()) expect((await put(server, `s${i}`, artifact)).status).toBe(200);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const round of [1, 2]) {
        for (const [i, artifact] of artifacts.entries()) {
          const got = await getOn(agent, server, `s${i}`);
          expect({ round, i, status: got.status, sha: sha(got.body) }).toEqual({
            round,
            i,
            status: 200,
            sha: sha(artifact),
          });
        }
      }
    } finally {
      agent.destroy();
    }
    // Every transfer corked the socket, and uncorked it or closed the handle it took to wait.
    const transfers = 2 * artifacts.length;
    expect(calls.cork + calls.close).toBe(2 * transfers);
    expect(calls.close).toBe(calls.open);
    expect(calls.send).toBeGreaterThanOrEqual(transfers);
  });

  it('waits for room in the socket when the client reads slowly, and sends every byte', async () => {
    const { spy, calls } = spyOn(real());
    server = await start([], spy, { maxBytes: BEYOND_SOCKET_BUFFERS });
    // Read a piece every few milliseconds.
    const artifact = randomBytes(BEYOND_SOCKET_BUFFERS);
    expect((await put(server, 'slow', artifact)).status).toBe(200);
    expect(sha((await getAlone(server, 'slow', 2)).body)).toBe(sha(artifact));
    expect(calls.wait).toBeGreaterThan(0);
  });

  it('sends the rest of an entry from the thread pool once a call was slow', async () => {
    const { spy, calls } = spyOn(real());
    // Every call counts as slow: the first runs on the event loop, the rest in the pool.
    server = await start([], spy, { slowMs: -1 });
    const artifact = randomBytes(3 * 1024 * 1024 + 5);
    expect((await put(server, 'pool', artifact)).status).toBe(200);
    expect(sha((await getAlone(server, 'pool', 1)).body)).toBe(sha(artifact));
    expect(calls.send).toBe(1);
    expect(calls.sendAsync).toBeGreaterThan(0);
  });

  it('streams entries above its limit, and every entry with --sendfile off', async () => {
    const { spy, calls } = spyOn(real());
    server = await start([], spy);
    const large = randomBytes(SENDFILE_MAX_BYTES + 1);
    expect(SENDFILE_MAX_BYTES).toBe(4 * 1024 * 1024);
    expect((await put(server, 'large', large)).status).toBe(200);
    const agent = new Agent({ keepAlive: true });
    try {
      expect(sha((await getOn(agent, server, 'large')).body)).toBe(sha(large));
      expect(calls.cork + calls.send).toBe(0);
      await server.stop();
      server = await start(['--sendfile', 'off'], spy);
      const small = randomBytes(1000);
      expect((await put(server, 'small', small)).status).toBe(200);
      expect(sha((await getOn(new Agent(), server, 'small')).body)).toBe(sha(small));
      expect(calls.cork + calls.send).toBe(0);
      expect(server.logs.find((line) => line.msg === 'listening')).toMatchObject({ sendfile: false });
    } finally {
      agent.destroy();
    }
  });

  it('closes the entry and its hold on the socket when the client hangs up mid-transfer, and serves on', async () => {
    const { spy, calls } = spyOn(real());
    server = await start([], spy, { maxBytes: BEYOND_SOCKET_BUFFERS });
    const artifact = randomBytes(BEYOND_SOCKET_BUFFERS);
    const { status, path: entry } = await put(server, '7007', artifact);
    expect(status).toBe(200);
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`GET /v1/cache/7007 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`),
      );
      // Never read past the first piece: the server waits for room, then the client goes.
      socket.once('data', () => {
        socket.pause();
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    await until(
      () => calls.close === calls.open && openDescriptors(entry) === 0,
      'the transfer closed and the entry file closed',
    );
    expect(calls.wait).toBeGreaterThan(0);
    const got = await getOn(new Agent(), server, '7007');
    expect(sha(got.body)).toBe(sha(artifact));
  });

  it('cuts the connection when a file ends before the bytes announced, rather than leave the client waiting', async () => {
    // The server never shortens an entry; a spy asks for 10 bytes beyond the file's end, as a file
    // cut short under the server would have it.
    const addon = real();
    const { spy } = spyOn(addon, { send: (handle, fd, offset, length) => addon.send(handle, fd, offset, length + 10) });
    server = await start([], spy);
    const artifact = randomBytes(100_000);
    expect((await put(server, 'cut', artifact)).status).toBe(200);
    const { port } = new URL(server.url);
    const started = Date.now();
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`GET /v1/cache/cut HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`),
      );
      socket.on('data', (part: Buffer) => parts.push(part));
      socket.on('close', () => resolve(Buffer.concat(parts)));
      socket.on('error', reject);
    });
    // Closed at once, not after the 5 s keep-alive timeout of a response that completed, and not
    // logged as one.
    expect(Date.now() - started).toBeLessThan(4000);
    const head = answer.subarray(0, answer.indexOf('\r\n\r\n') + 4).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.subarray(head.length).equals(artifact)).toBe(true);
    const log = server.logs.find((line) => line.msg === 'request' && line.path === '/v1/cache/cut');
    expect(log).toMatchObject({ bytesOut: 0 });
  });

  it('reports a file that ends before the length it was asked for (ENODATA), with what it sent', async () => {
    const addon = real();
    const file = join(await mkdtemp(join(tmpdir(), 'cache-sendfile-')), 'short');
    fs.writeFileSync(file, randomBytes(10));
    const { createServer } = await import('node:net');
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<import('node:net').Socket>((resolve) => listener.once('connection', resolve));
    const client = connect((listener.address() as import('node:net').AddressInfo).port, '127.0.0.1');
    const socket = await accepted;
    const fd = fs.openSync(file, 'r');
    try {
      const socketFd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
      expect(() => addon.send(socketFd, fd, 0, 20)).toThrow(expect.objectContaining({ code: 'ENODATA' }));
      const handle = addon.open(socketFd);
      expect(() => addon.send(handle, fd, 0, 20)).toThrow(expect.objectContaining({ code: 'ENODATA' }));
      expect(addon.send(handle, fd, 0, 10)).toBe(10);
      addon.close(handle);
      expect(() => addon.send(handle, fd, 0, 10)).toThrow(expect.objectContaining({ code: 'EBADF' }));
      expect(() => addon.send({} as never, fd, 0, 1)).toThrow('expected a handle from open()');
    } finally {
      fs.closeSync(fd);
      client.destroy();
      socket.destroy();
      listener.close();
      await rm(join(file, '..'), { recursive: true, force: true });
    }
  });

  it('says how to build the addon when it is missing; --sendfile on and --group-commit on then refuse to start', async () => {
    const missing = loadSendfile('/nonexistent/sendfile.node');
    expect(missing).toEqual({ problem: expect.stringContaining('node tools/cache-server/scripts/build-native.mjs') });
    expect(SENDFILE_ADDON_PATH).toContain(`node${process.versions.modules}`);
    const response = (socket: object) => ({ socket, destroyed: false }) as unknown as ServerResponse;
    expect(socketFd(response({ _handle: { fd: 7 } }))).toBe(7);
    expect(socketFd(response({ encrypted: true, _handle: { fd: 7 } }))).toBeUndefined();
    const env = { CACHE_SERVER_TOKENS: `read-write:main:${TOKEN}` };
    expect(() => loadConfig(['--sendfile', 'sometimes'], env)).toThrow(/--sendfile "sometimes" is not a choice/);
    expect(() => loadConfig(['--sendfile', 'on', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], env)).toThrow(
      ConfigError,
    );
    // Without the addon, "on" refuses to start and "auto" starts and says why it goes without.
    const missingPath = '/nonexistent/sendfile.node';
    await expect(startTestServer(['--sendfile', 'on'], undefined, { addonPath: missingPath })).rejects.toThrow(
      /--sendfile on: the native addon is not built .*build-native\.mjs/,
    );
    await expect(startTestServer(['--group-commit', 'on'], undefined, { addonPath: missingPath })).rejects.toThrow(
      /--group-commit on: the native addon is not built .*or pass --group-commit auto/,
    );
    server = await startTestServer([], undefined, { addonPath: missingPath });
    const said = server.logs.filter((line) => /GETs go through user space|its own fdatasync/.test(String(line.msg)));
    expect(said).toHaveLength(2);
    expect(server.logs.find((line) => line.msg === 'listening')).toEqual(
      expect.objectContaining({ sendfile: false, groupCommit: false }),
    );
    expect(() => loadConfig(['--group-commit', 'sometimes'], env)).toThrow(
      /--group-commit "sometimes" is not a choice/,
    );
    expect(() => loadConfig(['--group-commit', 'on', '--storage', 's3', '--s3-bucket', 'b'], env)).toThrow(
      /--group-commit on is for --storage fs/,
    );
  });

  it('syncs the file system of a descriptor in the thread pool (syncfs(2)), and reports a bad one as EBADF', async () => {
    const addon = real();
    const dir = await mkdtemp(join(tmpdir(), 'syncfs-'));
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    const syncfs = (descriptor: number) =>
      new Promise<Error | null>((resolve) => addon.syncfs(descriptor, (error) => resolve(error)));
    try {
      expect(await syncfs(fd)).toBeNull();
    } finally {
      fs.closeSync(fd);
      await rm(dir, { recursive: true, force: true });
    }
    expect(await syncfs(fd)).toEqual(expect.objectContaining({ code: 'EBADF', syscall: 'syncfs' }));
    expect(() => addon.syncfs(-1, () => undefined)).toThrow(/fd must be a descriptor/);
  });
});

import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { HIT_RESOLUTION_MS } from './server';
import { FileSystemStorage } from './storage/fs';
import {
  OTHER_NAMESPACE_TOKEN,
  READ_ONLY_TOKEN,
  newToken,
  READ_WRITE_TOKEN,
  bearer,
  cacheUrl,
  startTestServer,
  type TestServer,
} from './testing/cache-server';

/** Sends raw bytes and returns the status line: for requests fetch() refuses to make (bad lengths, aborted bodies). */
function rawRequest(server: TestServer, head: string, body: Buffer, endEarly = false): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(head);
      socket.write(body);
      if (endEarly) socket.end();
    });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy());
  });
}

/** The server logs and counts a GET once the last byte is written, which can be just after the client has read it. */
async function settled(server: TestServer, requests: number): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 20) {
    if (server.logs.filter((line) => line.msg === 'request').length >= requests) return;
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`the server logged fewer than ${requests} requests within 5 s`);
}

/** Polls `read` until `done` holds or `ms` pass; returns the last value read. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe('cache server (fs storage, Nx self-hosted remote cache API)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(['--max-entry-size', '1MiB']);
  });
  afterEach(() => server.stop());

  const put = (hash: string, body: Buffer, token = READ_WRITE_TOKEN) =>
    fetch(cacheUrl(server, hash), {
      method: 'PUT',
      body,
      headers: { ...bearer(token), 'content-type': 'application/octet-stream' },
    });
  const get = (hash: string, token = READ_WRITE_TOKEN) => fetch(cacheUrl(server, hash), { headers: bearer(token) });

  it('answers 404 for a miss, 200 for a stored PUT, then serves the identical bytes', async () => {
    const artifact = randomBytes(64 * 1024);
    expect((await get('1234567890')).status).toBe(404);
    const stored = await put('1234567890', artifact);
    expect(stored.status).toBe(200);
    const hit = await get('1234567890');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('application/octet-stream');
    expect(hit.headers.get('content-length')).toBe(String(artifact.length));
    expect(Buffer.from(await hit.arrayBuffer()).equals(artifact)).toBe(true);
  });

  it('records each hit on the entry, so size eviction drops the least recently used first', async () => {
    await put('5150', Buffer.from('a'));
    // The 200 comes before the entry is in place (see FileSystemStorage.put): the file is there once committed.
    await server.storage.settle?.();
    const stored = join(server.dir, 'main', '51', '5150');
    await utimes(stored, new Date('2020-01-01'), new Date('2020-01-01'));
    await (await get('5150')).arrayBuffer();
    for (let waited = 0; (await stat(stored)).mtime.getFullYear() === 2020 && waited < 2000; waited += 20) {
      await new Promise((done) => setTimeout(done, 20));
    }
    expect((await stat(stored)).mtime.getFullYear()).toBeGreaterThan(2020);
  });

  it('records a hit only when the last one recorded is older than HIT_RESOLUTION_MS', async () => {
    const storage = new FileSystemStorage(join(server.dir, 'hits'));
    const touch = jest.spyOn(storage, 'touch');
    const other = await startTestServer([], storage);
    try {
      const url = cacheUrl(other, '6060');
      const auth = bearer(READ_WRITE_TOKEN);
      expect((await fetch(url, { method: 'PUT', body: 'a', headers: auth })).status).toBe(200);
      // Just stored: its date is recent, so a hit changes nothing on disk.
      await (await fetch(url, { headers: auth })).arrayBuffer();
      expect(touch).not.toHaveBeenCalled();
      const entry = join(server.dir, 'hits', 'main', '60', '6060');
      const old = new Date(Date.now() - HIT_RESOLUTION_MS - 1000);
      await utimes(entry, old, old);
      await (await fetch(url, { headers: auth })).arrayBuffer();
      expect(touch).toHaveBeenCalledTimes(1);
      expect(touch.mock.calls[0][0]).toBe('main/6060');
    } finally {
      await other.stop();
    }
  });

  it('never overwrites: the second PUT of a hash gets 409 and the first bytes stay', async () => {
    const first = Buffer.from('first writer');
    expect((await put('42', first)).status).toBe(200);
    expect((await put('42', Buffer.from('second writer'))).status).toBe(409);
    expect(Buffer.from(await (await get('42')).arrayBuffer()).toString()).toBe('first writer');
  });

  it('lets exactly one of several concurrent writers of a hash win, with a whole artifact', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => Buffer.alloc(200_000, i + 1));
    const statuses = (await Promise.all(bodies.map((body) => put('777', body)))).map((res) => res.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    const stored = Buffer.from(await (await get('777')).arrayBuffer());
    expect(bodies.some((body) => body.equals(stored))).toBe(true);
    expect(await readdir(join(server.dir, '.tmp'))).toEqual([]);
  });

  it('refuses a missing or unknown token with 401 and a text/plain reason', async () => {
    for (const headers of [{}, bearer('not-a-real-token-at-all'), { authorization: 'Basic abc' }]) {
      const res = await fetch(cacheUrl(server, '1'), { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(await res.text()).toMatch(/bearer token|Bearer <token>|unknown token/);
    }
    const write = await fetch(cacheUrl(server, '1'), {
      method: 'PUT',
      body: 'x',
      headers: bearer('wrong-token-0123456789'),
    });
    expect(write.status).toBe(401);
    expect((await get('1')).status).toBe(404);
  });

  it('lets a read-only token read but answers its PUT with 403 and stores nothing', async () => {
    expect((await put('99', Buffer.from('from main'))).status).toBe(200);
    expect((await get('99', READ_ONLY_TOKEN)).status).toBe(200);
    const denied = await put('100', Buffer.from('from a pull request'), READ_ONLY_TOKEN);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toMatch(/read-only/);
    expect((await get('100')).status).toBe(404);
  });

  it('keeps namespaces apart', async () => {
    expect((await put('5', Buffer.from('main'))).status).toBe(200);
    expect((await get('5', OTHER_NAMESPACE_TOKEN)).status).toBe(404);
    expect((await put('5', Buffer.from('other'), OTHER_NAMESPACE_TOKEN)).status).toBe(200);
    expect(await (await get('5', OTHER_NAMESPACE_TOKEN)).text()).toBe('other');
    expect(await (await get('5')).text()).toBe('main');
  });

  it('validates the hash', async () => {
    for (const hash of ['..%2F..%2Fetc', 'abc.def', 'a'.repeat(129), '%00', '%E0%A4%A']) {
      const res = await get(hash);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/invalid hash/);
    }
    expect((await fetch(`${server.url}/v1/cache/`, { headers: bearer(READ_WRITE_TOKEN) })).status).toBe(400);
  });

  it('enforces Content-Length: required (411), within the limit (413), and matched by the body (400, nothing stored)', async () => {
    const auth = `Authorization: Bearer ${READ_WRITE_TOKEN}\r\n`;
    const chunked = await rawRequest(
      server,
      `PUT /v1/cache/11 HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      Buffer.from('5\r\nhello\r\n0\r\n\r\n'),
    );
    expect(chunked).toBe('HTTP/1.1 411 Length Required');

    const tooLarge = await put('12', Buffer.alloc(1024 * 1024 + 1));
    expect(tooLarge.status).toBe(413);

    const short = await rawRequest(
      server,
      `PUT /v1/cache/13 HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 100\r\n\r\n`,
      Buffer.alloc(40, 1),
      true,
    );
    expect(short).not.toMatch(/ 200 /);
    expect((await get('13')).status).toBe(404);
    expect((await put('13', Buffer.alloc(100, 2))).status).toBe(200);
    // The aborted upload's temp file goes once the server sees the client hang up, which a loaded
    // machine may take a moment to report: wait for it (bounded), rather than race it.
    expect(
      await eventually(
        () => readdir(join(server.dir, '.tmp')),
        (files) => files.length === 0,
      ),
    ).toEqual([]);
  });

  it('answers other methods and paths clearly', async () => {
    const del = await fetch(cacheUrl(server, '1'), { method: 'DELETE', headers: bearer(READ_WRITE_TOKEN) });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, PUT');
    expect((await fetch(`${server.url}/v2/cache/1`)).status).toBe(404);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toMatch(/^ok fs:/);
  });

  it('counts hits, misses and bytes in Prometheus metrics', async () => {
    await get('314');
    await put('314', Buffer.alloc(1000, 7));
    await get('314');
    await get('314');
    await settled(server, 4);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^nx_cache_hits_total\{namespace="main"\} 2$/m);
    expect(metrics).toMatch(/^nx_cache_misses_total\{namespace="main"\} 1$/m);
    expect(metrics).toMatch(/^nx_cache_bytes_in_total\{namespace="main"\} 1000$/m);
    expect(metrics).toMatch(/^nx_cache_bytes_out_total\{namespace="main"\} 2000$/m);
    expect(metrics).toMatch(/^nx_cache_requests_total\{method="GET",status="200"\} 2$/m);
    expect(metrics).toMatch(/^nx_cache_server_process_cpu_seconds_total /m);
  });

  it('logs one JSON line per request, naming the token but never its secret', async () => {
    await put('2718', Buffer.from('artifact'));
    await get('2718', READ_ONLY_TOKEN);
    await settled(server, 2);
    const wrong = newToken();
    await get('2718', wrong);
    await settled(server, 3);
    const requests = server.logs.filter((line) => line.msg === 'request');
    expect(
      requests.map(({ method, path, status, token, namespace }) => ({ method, path, status, token, namespace })),
    ).toEqual([
      { method: 'PUT', path: '/v1/cache/2718', status: 200, token: 'token-1', namespace: 'main' },
      { method: 'GET', path: '/v1/cache/2718', status: 200, token: 'token-2', namespace: 'main' },
      { method: 'GET', path: '/v1/cache/2718', status: 401, token: undefined, namespace: undefined },
    ]);
    const everything = server.rawLogs.join('\n');
    for (const secret of [READ_WRITE_TOKEN, READ_ONLY_TOKEN, OTHER_NAMESPACE_TOKEN, wrong]) {
      expect(everything).not.toContain(secret);
    }
  });
});

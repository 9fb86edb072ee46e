import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { READ_WRITE_TOKEN, bearer, cacheUrl, startTestServer } from './testing/cache-server';

const run = promisify(execFile);

/** One HTTPS request that trusts `ca` (fetch() takes no CA): status and body. */
function httpsRequest(
  url: string,
  ca: Buffer,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the cache server over HTTPS', () => {
  let dir: string;
  let cert: string;
  let key: string;
  let ca: Buffer;

  beforeAll(async () => {
    await run('openssl', ['version']).catch((error: Error) => {
      throw new Error(
        `These tests make a throw-away certificate with openssl, which did not run (${error.message}). Install it: apt-get install openssl.`,
      );
    });
    dir = await mkdtemp(join(tmpdir(), 'cache-tls-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    ca = await readFile(cert);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves the cache API over TLS with --tls-cert and --tls-key, and no plain HTTP on its port', async () => {
    const server = await startTestServer(['--tls-cert', cert, '--tls-key', key]);
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const artifact = randomBytes(10_000);
      const stored = await httpsRequest(cacheUrl(server, '443'), ca, {
        method: 'PUT',
        headers: bearer(READ_WRITE_TOKEN),
        body: artifact,
      });
      expect(stored.status).toBe(200);
      const hit = await httpsRequest(cacheUrl(server, '443'), ca, { headers: bearer(READ_WRITE_TOKEN) });
      expect(hit.status).toBe(200);
      expect(hit.body.equals(artifact)).toBe(true);
      await expect(
        fetch(cacheUrl({ url: server.url.replace('https:', 'http:') }, '443'), { headers: bearer(READ_WRITE_TOKEN) }),
      ).rejects.toThrow();
      expect(server.logs.find((line) => line.msg === 'listening')).toMatchObject({
        url: server.url,
        tls: true,
        // TLS encrypts in the process: sendfile would put plaintext on the wire.
        sendfile: false,
      });
    } finally {
      await server.stop();
    }
  });

  it('refuses to start, with the fix, when the certificate cannot be read or the key does not match it', async () => {
    await expect(startTestServer(['--tls-cert', join(dir, 'missing.pem'), '--tls-key', key])).rejects.toThrow(
      `Unable to read --tls-cert ${join(dir, 'missing.pem')}: ENOENT: no such file or directory, open '${join(dir, 'missing.pem')}'. ` +
        'Pass the PEM certificate (chain) file the server should present.',
    );
    const otherKey = join(dir, 'other-key.pem');
    await run('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKey]);
    await expect(startTestServer(['--tls-cert', cert, '--tls-key', otherKey])).rejects.toThrow(
      `--tls-key ${otherKey} is not the private key of --tls-cert ${cert} (`,
    );
    await writeFile(join(dir, 'junk.pem'), 'not a certificate');
    await expect(startTestServer(['--tls-cert', join(dir, 'junk.pem'), '--tls-key', key])).rejects.toThrow(
      `--tls-cert ${join(dir, 'junk.pem')} or --tls-key ${key} is not a PEM certificate and its private key (`,
    );
  });
});

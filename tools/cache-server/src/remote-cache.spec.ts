import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { READ_ONLY_TOKEN, READ_WRITE_TOKEN, startTestServer, type TestServer } from './testing/cache-server';
import { REMOTE_CACHE_SCRIPT, prepareRemoteCache } from './testing/remote-cache';

/** tools/scripts/remote-cache.mjs: the pipeline's check of the cache server before nx runs. */
describe('prepareRemoteCache', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const cacheEnv = (url: string, token?: string): Record<string, string> => ({
    OTHER: 'kept',
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
    ...(token ? { NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token } : {}),
  });

  it('leaves the environment alone when no remote cache is configured', async () => {
    expect(await prepareRemoteCache({ OTHER: 'kept' })).toEqual({ env: { OTHER: 'kept' } });
  });

  it.each([
    ['read-write', READ_WRITE_TOKEN],
    ['read-only', READ_ONLY_TOKEN],
  ])('keeps the remote cache when the server answers 404 to the probe (%s token)', async (_label, token) => {
    const result = await prepareRemoteCache(cacheEnv(server.url, token));
    expect(result).toEqual({ env: cacheEnv(server.url, token) });
    const probe = server.logs.filter((line) => line.msg === 'request').pop();
    expect(probe).toMatchObject({ method: 'GET', path: '/v1/cache/00000000000000000000', status: 404 });
  });

  it('falls back with one warning naming the token problem on 401', async () => {
    const result = await prepareRemoteCache(cacheEnv(server.url, 'a-token-the-server-never-issued'));
    expect(result.env).toEqual({ OTHER: 'kept' });
    expect(result.warning).toMatch(
      /^Remote cache http:\/\/127\.0\.0\.1:\d+ is unavailable: it refused the access token \(HTTP 401: unknown token/,
    );
    expect(result.warning).toContain('Running with the local cache only');
    expect(result.warning).not.toContain('a-token-the-server-never-issued');
  });

  it('falls back when nothing listens there', async () => {
    const stopped = await startTestServer();
    const url = stopped.url;
    await stopped.stop();
    const result = await prepareRemoteCache(cacheEnv(url, READ_WRITE_TOKEN));
    expect(result.env).toEqual({ OTHER: 'kept' });
    expect(result.warning).toMatch(/nothing is listening there \(connection refused\)/);
  });

  describe('against a misbehaving server', () => {
    let fake: Server;
    let url: string;
    let mode: 'error' | 'hang' | 'ok-for-anything' | 'hostile';
    /** Workflow commands GitHub would run if they began a line of the log (:: and the older ##[ form). */
    const HOSTILE =
      'denied\n::add-mask::x\r\n  ::set-output name=token::stolen\r##[set-env name=NODE_OPTIONS]--require=/tmp/x.js\u2028::error::forged\n%0A::stop-commands::t';
    beforeAll(async () => {
      fake = createServer((_req, res) => {
        if (mode === 'error') res.writeHead(500, { 'content-type': 'text/plain' }).end('disk full');
        else if (mode === 'hostile') res.writeHead(401, { 'content-type': 'text/plain' }).end(HOSTILE);
        else if (mode === 'ok-for-anything') res.writeHead(200).end('<html>proxy login</html>');
        // 'hang': never answers
      });
      await new Promise<void>((done) => fake.listen(0, '127.0.0.1', done));
      url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      fake.closeAllConnections();
      await new Promise((done) => fake.close(done));
    });

    it('falls back on a 500', async () => {
      mode = 'error';
      const { env, warning } = await prepareRemoteCache(cacheEnv(url, READ_WRITE_TOKEN));
      expect(env).toEqual({ OTHER: 'kept' });
      expect(warning).toMatch(/it failed \(HTTP 500: disk full\)/);
    });

    it('falls back when the probe times out', async () => {
      mode = 'hang';
      // The server never answers, so only the probe's own 300 ms timeout can end it: the warning names it.
      const { env, warning } = await prepareRemoteCache(cacheEnv(url, READ_WRITE_TOKEN), 300);
      expect(env).toEqual({ OTHER: 'kept' });
      expect(warning).toMatch(/did not answer within 300 ms/);
    });

    it('never echoes a response into a line GitHub reads as a workflow command', async () => {
      mode = 'hostile';
      const { warning } = await prepareRemoteCache(cacheEnv(url, READ_WRITE_TOKEN));
      expect(warning).toContain('(HTTP 401: denied ::add-mask::x ::set-output name=token::stolen ##[set-env');
      expect(warning).not.toMatch(/[\r\n\u2028\u2029]/);

      const cli = (env: Record<string, string>) =>
        promisify(execFile)(process.execPath, [REMOTE_CACHE_SCRIPT], {
          env: { PATH: process.env.PATH, ...cacheEnv(url, READ_WRITE_TOKEN), ...env },
        });
      const commands = (stdout: string) => stdout.split(/\r\n|\r|\n/).filter((line) => /^\s*(::|##\[)/.test(line));
      const onGitHub = (await cli({ GITHUB_ACTIONS: 'true' })).stdout;
      // One line, one command: ours, with the response inside its (escaped) message.
      expect(commands(onGitHub)).toHaveLength(1);
      expect(onGitHub).toMatch(
        /^::warning title=Remote cache unavailable::Remote cache http:\/\/127\.0\.0\.1:\d+ is unavailable: it refused the access token \(HTTP 401: denied ::add-mask::x /,
      );
      // %0A in the response stays text: GitHub would unescape a bare one into a line break of the annotation.
      expect(onGitHub).toContain('%250A::stop-commands::t');
      expect(onGitHub.trimEnd().split('\n')).toHaveLength(1);
      const elsewhere = (await cli({})).stdout;
      expect(commands(elsewhere)).toEqual([]);
      expect(elsewhere).toMatch(
        /^warning: Remote cache .* is unavailable: it refused the access token \(HTTP 401: denied ::add-mask::x /,
      );
    });

    it('falls back when something that is not a cache server answers 200', async () => {
      mode = 'ok-for-anything';
      const { warning } = await prepareRemoteCache(cacheEnv(url, READ_WRITE_TOKEN));
      expect(warning).toMatch(/answered HTTP 200 instead of 404/);
    });
  });

  describe('as a CLI', () => {
    const cli = (args: string[], env: Record<string, string>) =>
      promisify(execFile)(process.execPath, [REMOTE_CACHE_SCRIPT, ...args], {
        env: { PATH: process.env.PATH, ...env },
      });
    const printEnv = [
      '--',
      process.execPath,
      '-e',
      'console.log(`server=${process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER ?? "unset"}`)',
    ];

    it('checks and says so, exit 0 either way; on GitHub Actions the warning is one ::warning:: annotation', async () => {
      expect((await cli([], cacheEnv(server.url, READ_ONLY_TOKEN))).stdout).toMatch(/is healthy/);
      const { stdout } = await cli([], {
        GITHUB_ACTIONS: 'true',
        ...cacheEnv(server.url, 'wrong-token-0123456789abcdef'),
      });
      expect(stdout.match(/::warning/g)).toHaveLength(1);
      expect(stdout).toMatch(/^::warning title=Remote cache unavailable::Remote cache http/);
    });

    it('runs a command with the remote cache when healthy, and without it (one warning) when not', async () => {
      expect((await cli(printEnv, cacheEnv(server.url, READ_ONLY_TOKEN))).stdout).toBe(`server=${server.url}\n`);
      const down = await cli(printEnv, cacheEnv(server.url, 'wrong-token-0123456789abcdef'));
      expect(down.stdout).toMatch(/^warning: Remote cache .* is unavailable: .*\nserver=unset\n$/);
    });

    it('passes the exit code of a failing command through, running it once when the server stays healthy', async () => {
      const counter = join(await mkdtemp(join(tmpdir(), 'runs-')), 'runs');
      await writeFile(counter, '');
      const fail = [
        '--',
        process.execPath,
        '-e',
        `require('fs').appendFileSync(${JSON.stringify(counter)}, 'x'); process.exit(3)`,
      ];
      await expect(cli(fail, cacheEnv(server.url, READ_WRITE_TOKEN))).rejects.toMatchObject({ code: 3 });
      expect(await readFile(counter, 'utf8')).toBe('x');
      await rm(join(counter, '..'), { recursive: true });
    });
  });
});

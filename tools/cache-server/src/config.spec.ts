import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig, parseDuration, parseSize } from './config';
import { TokenTable } from './auth';

/** Made up per run, so nothing token-shaped is committed. */
const SECRET = randomBytes(10).toString('hex');

describe('loadConfig', () => {
  it('reads the environment, and flags win over it', () => {
    const config = loadConfig(['--port', '4000', '--max-age', '7d'], {
      CACHE_SERVER_PORT: '5000',
      CACHE_SERVER_HOST: '::1',
      CACHE_SERVER_TOKENS: `read-write:main:${SECRET}, read:main:${SECRET}x`,
      CACHE_SERVER_MAX_TOTAL_SIZE: '2GiB',
    });
    expect(config).toMatchObject({
      port: 4000,
      host: '::1',
      storage: 'fs',
      maxAge: 7 * 86_400_000,
      maxTotalSize: 2 * 2 ** 30,
    });
    expect(config.tokens.map(({ name, scope, namespace }) => ({ name, scope, namespace }))).toEqual([
      { name: 'token-1', scope: 'read-write', namespace: 'main' },
      { name: 'token-2', scope: 'read', namespace: 'main' },
    ]);
    expect(JSON.stringify(config)).not.toContain(SECRET);
  });

  it('configures S3 from flags and AWS_REGION', () => {
    const config = loadConfig(
      [
        '--storage',
        's3',
        '--s3-bucket',
        'nx',
        '--s3-endpoint',
        'http://127.0.0.1:9000',
        '--s3-force-path-style',
        'true',
        '--anonymous',
        'read',
      ],
      { AWS_REGION: 'eu-west-1' },
    );
    expect(config.s3).toEqual({
      bucket: 'nx',
      prefix: '',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(config.anonymous).toBe('read');
  });

  it('reads a tokens file with names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-config-'));
    const file = join(dir, 'tokens.json');
    await writeFile(file, JSON.stringify([{ name: 'ci-main', token: SECRET, scope: 'read-write', namespace: 'main' }]));
    const config = loadConfig(['--tokens-file', file], {});
    expect(config.tokens[0]).toMatchObject({ name: 'ci-main', scope: 'read-write', namespace: 'main' });
    const table = new TokenTable(config.tokens);
    expect(table.authorize(`Bearer ${SECRET}`)).toEqual({
      ok: true,
      grant: { name: 'ci-main', scope: 'read-write', namespace: 'main' },
    });
    expect(table.authorize('Bearer nope')).toMatchObject({ ok: false });
    await rm(dir, { recursive: true });
  });

  it.each([
    [{ CACHE_SERVER_TOKENS: 'write:main:' + SECRET }, /scope "write" must be "read" or "read-write"/],
    [{ CACHE_SERVER_TOKENS: 'read:main:short' }, /at least 16 characters/],
    [{ CACHE_SERVER_TOKENS: `read:../x:${SECRET}` }, /namespace "..\/x"/],
  ])('refuses the tokens %j with a message that says how to fix it', (env, message) => {
    expect(() => loadConfig([], env)).toThrow(message);
  });

  it('refuses a token on the command line, where every user of the machine can read it', () => {
    expect(() => loadConfig(['--token', `read-write:main:${SECRET}`], {})).toThrow(
      '--token puts the secret in the process list: any user of this machine can read it (ps, /proc/<pid>/cmdline) for as long ' +
        "as the server runs. Pass tokens in the environment (CACHE_SERVER_TOKENS='read-write:main:<secret>') or in a file " +
        '(--tokens-file tokens.json, mode 600).',
    );
  });

  it('refuses plain HTTP on a network address unless told so, and then warns', () => {
    const env = { CACHE_SERVER_TOKENS: `read-write:main:${SECRET}` };
    for (const host of ['0.0.0.0', '::', '10.0.0.8', 'cache.internal']) {
      expect(() => loadConfig(['--host', host], env)).toThrow(
        `--host ${host} would serve bearer tokens and artifacts over plain HTTP to the network, where anyone on the path ` +
          'can read the tokens and plant artifacts. Pass --tls-cert <cert.pem> --tls-key <key.pem> to serve HTTPS, or listen ' +
          'on 127.0.0.1 behind a TLS reverse proxy on this machine; if a proxy on another machine terminates TLS, pass ' +
          '--insecure-http (CACHE_SERVER_INSECURE_HTTP=true).',
      );
    }
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', 'localhost'])
      expect(loadConfig(['--host', host], env).warnings).toEqual([]);
    for (const config of [
      loadConfig(['--host', '0.0.0.0', '--insecure-http'], env),
      loadConfig([], { ...env, CACHE_SERVER_HOST: '0.0.0.0', CACHE_SERVER_INSECURE_HTTP: 'true' }),
    ]) {
      expect(config.tls).toBeUndefined();
      expect(config.warnings).toEqual([
        'INSECURE: serving plain HTTP on 0.0.0.0 (--insecure-http): bearer tokens and artifacts cross the network unencrypted up to ' +
          'the TLS proxy. Make sure one terminates TLS in front of this server, or pass --tls-cert and --tls-key.',
      ]);
    }
    expect(loadConfig(['--host', '0.0.0.0', '--tls-cert', 'cert.pem', '--tls-key', 'key.pem'], env)).toMatchObject({
      tls: { certFile: 'cert.pem', keyFile: 'key.pem' },
      warnings: [],
    });
  });

  it('warns when the tokens file can be read by other users', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-config-'));
    const file = join(dir, 'tokens.json');
    await writeFile(file, JSON.stringify([{ name: 'ci-main', token: SECRET, scope: 'read-write', namespace: 'main' }]));
    await chmod(file, 0o644);
    expect(loadConfig(['--tokens-file', file], {}).warnings).toEqual([
      `The tokens file ${file} can be read by other users (mode 644): chmod 600 ${file}.`,
    ]);
    await chmod(file, 0o600);
    expect(loadConfig(['--tokens-file', file], {}).warnings).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it.each([
    [[], /No access tokens configured/],
    [['--anonymous', 'read', '--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together: pass both/],
    [
      ['--anonymous', 'read', '--tls-key', 'key.pem', '--tls-cert', 'cert.pem', '--insecure-http'],
      /--insecure-http and --tls-cert contradict/,
    ],
    [['--anonymous', 'read', '--storage', 's3'], /needs a bucket/],
    [['--anonymous', 'read', '--port', '70000'], /not a TCP port/],
    [['--anonymous', 'read', '--max-entry-size', '12 parsecs'], /not a size/],
    [['--anonymous', 'read', '--max-age', 'toString'], /not a duration/],
    [['--anonymous', 'read', '--colour'], /Unknown option '--colour'.*--help/],
  ])('refuses %j with a message that says how to fix it', (argv, message) => {
    expect(() => loadConfig(argv as string[], {})).toThrow(message);
  });

  it('parses sizes and durations', () => {
    expect(parseSize('512MiB', 'x')).toBe(512 * 2 ** 20);
    expect(parseSize('1.5GB', 'x')).toBe(1.5e9);
    expect(parseSize('0', 'x')).toBe(0);
    expect(parseDuration('90s', 'x')).toBe(90_000);
    expect(parseDuration('12h', 'x')).toBe(43_200_000);
    expect(() => parseSize('constructor', 'x')).toThrow(ConfigError);
  });
});

describe('the cache-server bin', () => {
  const bin = join(__dirname, '..', 'bin', 'cache-server.js');
  const run = promisify(execFile);

  it('documents every flag and its environment variable in --help', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    for (const flag of [
      '--port',
      '--storage',
      '--dir',
      '--s3-bucket',
      '--s3-endpoint',
      '--tokens-file',
      '--tls-cert',
      '--tls-key',
      '--insecure-http',
      '--max-entry-size',
      '--max-total-size',
      '--max-age',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('CACHE_SERVER_TOKENS');
    expect(stdout).not.toContain('--token <');
    expect(stdout).toContain('NX_SELF_HOSTED_REMOTE_CACHE_SERVER');
  });

  it('exits 2 with the fix for a token on the command line or plain HTTP on the network', async () => {
    await expect(
      run(process.execPath, [bin, '--token', `read-write:main:${SECRET}`], { env: { PATH: process.env.PATH } }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('configuration error: --token puts the secret in the process list'),
    });
    await expect(
      run(process.execPath, [bin, '--host', '0.0.0.0'], {
        env: { PATH: process.env.PATH, CACHE_SERVER_ANONYMOUS: 'read' },
      }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'configuration error: --host 0.0.0.0 would serve bearer tokens and artifacts over plain HTTP',
      ),
    });
  });

  it('exits 2 with the fix when misconfigured', async () => {
    await expect(
      run(process.execPath, [bin, '--port', '0'], { env: { PATH: process.env.PATH } }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('configuration error: No access tokens configured'),
    });
  });
});

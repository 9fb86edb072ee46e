import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, toolPath } from '@customercare/nx-core';
import { haproxyConfig } from '../haproxy';
import { READ_ONLY_TOKEN, READ_WRITE_TOKEN } from './cache-server';
import { WORKSPACE_ROOT } from './nx-workspace';
import type { TestS3Server } from './s3-server';

const BIN = resolve(__dirname, '..', '..', 'bin', 'cache-server.js');

export interface Replica {
  url: string;
  port: number;
  child: ChildProcess;
  /** Its JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** What it wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

/** One cache server process (bin/cache-server.js) on 127.0.0.1, free port, over the test S3 bucket. */
export async function startReplica(s3: TestS3Server, prefix = 'nx/'): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      ...['--port', '0', '--storage', 's3', '--s3-bucket', s3.bucket, '--s3-prefix', prefix],
      ...['--s3-endpoint', s3.endpoint, '--s3-force-path-style', 'true', '--log-level', 'info'],
    ],
    {
      cwd: WORKSPACE_ROOT,
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        CACHE_SERVER_TOKENS: `read-write:main:${READ_WRITE_TOKEN},read:main:${READ_ONLY_TOKEN}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const url = await new Promise<string>((done, fail) => {
    const poll = setInterval(() => {
      const listening = logs().find((line) => line.msg === 'listening');
      if (listening) {
        clearInterval(poll);
        done(String(listening.url));
      }
    }, 25);
    child.once('exit', (code) => {
      clearInterval(poll);
      fail(new Error(`cache-server exited (${code}) before listening:\n${stderr}${stdout}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    logs,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface Balancer {
  url: string;
  config: string;
  /** What HAProxy printed so far (its alerts: a server going DOWN or UP). */
  output(): string;
  stop(): Promise<void>;
}

/** HAProxy (the toolchain's) in the foreground on 127.0.0.1, in front of `ports`; resolves once every replica is UP. */
export async function startHaproxy(ports: number[]): Promise<Balancer> {
  const dir = await mkdtemp(join(tmpdir(), 'cache-haproxy-'));
  const port = await freePort();
  const config = haproxyConfig({ bind: `127.0.0.1:${port}`, replicas: ports.map((p) => `127.0.0.1:${p}`) });
  await writeFile(join(dir, 'haproxy.cfg'), config);
  const child = spawn(toolPath('haproxy', { workspaceRoot: WORKSPACE_ROOT }), ['-db', '-f', join(dir, 'haproxy.cfg')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  // Every replica answers /healthz through the proxy: round robin visits each within a few requests.
  const deadline = Date.now() + 15_000;
  const seen = new Set<string>();
  while (seen.size < ports.length) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`HAProxy did not bring up ${ports.length} replicas on ${url}:\n${output}`);
    }
    const answer = await fetch(`${url}/healthz`).then(
      (res) => (res.ok ? res.headers.get('x-cache-replica') : null),
      () => null,
    );
    if (answer) seen.add(answer);
    else await new Promise((done) => setTimeout(done, 100));
  }
  return { url, config, output: () => output, stop };
}

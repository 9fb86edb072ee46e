import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import { startCacheServer, type RunningCacheServer } from '../start';
import type { CacheStorage } from '../storage/storage';

/** Tokens made up per test run: nothing token-shaped is committed for secret scanners to flag. */
export const newToken = (): string => randomBytes(16).toString('hex');
export const READ_WRITE_TOKEN = newToken();
export const READ_ONLY_TOKEN = newToken();
export const OTHER_NAMESPACE_TOKEN = newToken();

export interface TestServer extends RunningCacheServer {
  dir: string;
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  stop(): Promise<void>;
}

/** A real server on 127.0.0.1 (free port) over a temporary folder, with read-write, read-only and other-namespace tokens (token-1..3). */
export async function startTestServer(
  extraArgs: string[] = [],
  storage?: CacheStorage,
  startOptions: Omit<Parameters<typeof startCacheServer>[1] & object, 'logger' | 'storage'> = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'cache-server-'));
  const rawLogs: string[] = [];
  let server: RunningCacheServer;
  try {
    const config = loadConfig(['--port', '0', '--dir', dir, '--log-level', 'debug', ...extraArgs], {
      // Tokens go by environment, as in production: the server refuses them on its command line.
      CACHE_SERVER_TOKENS: [
        `read-write:main:${READ_WRITE_TOKEN}`,
        `read:main:${READ_ONLY_TOKEN}`,
        `read-write:other:${OTHER_NAMESPACE_TOKEN}`,
      ].join(','),
    });
    const logger = createLogger(config.logLevel, (line) => rawLogs.push(line.trimEnd()));
    server = await startCacheServer(
      config,
      storage ? { ...startOptions, logger, storage } : { ...startOptions, logger },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...server,
    dir,
    rawLogs,
    get logs() {
      return rawLogs.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function cacheUrl(server: { url: string }, hash: string): string {
  return `${server.url}/v1/cache/${hash}`;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** How many descriptors of this process are open on `path` (Linux: /proc/self/fd). */
export function openDescriptors(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

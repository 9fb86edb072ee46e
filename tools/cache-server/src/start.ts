import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { TokenTable } from './auth';
import { ConfigError, type ServerConfig, type TlsFiles } from './config';
import { evict, type EvictionResult } from './eviction';
import { createLogger, type Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { loadSendfile, SENDFILE_MAX_BYTES, SLOW_SENDFILE_MS, type SendfileAddon } from './sendfile';
import { createCacheServer } from './server';
import { FileSystemStorage } from './storage/fs';
import { S3Storage } from './storage/s3';
import type { CacheStorage } from './storage/storage';

/**
 * How long a replica's eviction lease lasts: far longer than a sweep takes (a listing of a large
 * bucket and its deletes), and short enough that a replica killed mid-sweep holds up the others'
 * eviction for at most this long.
 */
export const EVICTION_LEASE_MS = 10 * 60_000;

/** A sweep another replica was running: this one skipped it. */
export interface SweepSkipped {
  skipped: true;
  holder: string;
  expiresAt: Date;
}

export type SweepResult = EvictionResult | SweepSkipped;

export interface RunningCacheServer {
  /** e.g. http://127.0.0.1:41234 — the value for NX_SELF_HOSTED_REMOTE_CACHE_SERVER. */
  url: string;
  storage: CacheStorage;
  metrics: Metrics;
  /** This replica's name in the eviction lease: <host>:<pid>:<random>. */
  replica: string;
  /**
   * Runs an eviction sweep after any sweep in progress, or skips it while another replica holds the
   * store's eviction lease; rejects when it fails (which is also logged).
   */
  sweep(): Promise<SweepResult>;
  close(): Promise<void>;
}

/** The store the config names; with `syncfs` (the native addon's), fs uploads commit by group commit. */
export function createStorage(
  config: ServerConfig,
  syncfs?: (fd: number, callback: (error: Error | null) => void) => void,
): CacheStorage {
  if (config.storage === 's3' && config.s3) return new S3Storage(config.s3);
  return new FileSystemStorage(resolve(config.dir), {
    syncfs: syncfs && ((fd) => new Promise((done, fail) => syncfs(fd, (error) => (error ? fail(error) : done())))),
  });
}

async function readTlsFiles({ certFile, keyFile }: TlsFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const read = (path: string, flag: string, what: string) =>
    readFile(path).catch((error: Error) => {
      throw new ConfigError(
        `Unable to read ${flag} ${path}: ${error.message}. Pass the ${what} the server should present.`,
      );
    });
  return {
    cert: await read(certFile, '--tls-cert', 'PEM certificate (chain) file'),
    key: await read(keyFile, '--tls-key', 'PEM private key file of --tls-cert'),
  };
}

/** Starts the server for a checked config; resolves once it listens. */
export async function startCacheServer(
  config: ServerConfig,
  {
    logger = createLogger(config.logLevel),
    storage: givenStorage,
    sendfileAddon,
    addonPath,
    sendfileSlowMs = SLOW_SENDFILE_MS,
    sendfileMaxBytes = SENDFILE_MAX_BYTES,
  }: {
    logger?: Logger;
    /** Instead of the config's (which then commits without the addon's group commit). */
    storage?: CacheStorage;
    /** Instead of the built addon (tests wrap it to see or steer its calls). */
    sendfileAddon?: SendfileAddon;
    /** Where to load the addon from, instead of where the build puts it (tests name a missing one). */
    addonPath?: string;
    sendfileSlowMs?: number;
    sendfileMaxBytes?: number;
  } = {},
): Promise<RunningCacheServer> {
  // The native addon serves GETs by sendfile (plain HTTP) and commits fs uploads by group commit.
  const wantsSendfile = config.sendfile !== 'off' && !config.tls;
  const wantsGroupCommit = config.groupCommit !== 'off' && config.storage === 'fs' && !givenStorage;
  const loaded =
    !wantsSendfile && !wantsGroupCommit
      ? undefined
      : sendfileAddon
        ? { addon: sendfileAddon }
        : loadSendfile(addonPath);
  const addon = loaded && 'addon' in loaded ? loaded.addon : undefined;
  const addonProblem = loaded && 'problem' in loaded ? loaded.problem : undefined;
  if (addonProblem && config.sendfile === 'on')
    throw new ConfigError(`--sendfile on: ${addonProblem}, or pass --sendfile auto to serve GETs without it.`);
  if (addonProblem && config.groupCommit === 'on')
    throw new ConfigError(
      `--group-commit on: ${addonProblem}, or pass --group-commit auto to commit each upload by its own fdatasync.`,
    );
  const storage =
    givenStorage ??
    createStorage(config, wantsGroupCommit && addon ? (fd, callback) => addon.syncfs(fd, callback) : undefined);
  const groupCommit = storage instanceof FileSystemStorage && Boolean(storage.groupCommit);
  await storage.claim();
  const metrics = createMetrics();
  const tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  const sendfile = wantsSendfile ? addon : undefined;
  let server;
  try {
    server = createCacheServer({
      storage,
      tokens: new TokenTable(config.tokens, config.anonymous),
      maxEntrySize: config.maxEntrySize,
      logger,
      metrics,
      tls,
      sendfile: sendfile ? { addon: sendfile, slowMs: sendfileSlowMs, maxBytes: sendfileMaxBytes } : undefined,
    });
  } catch (error) {
    if (!config.tls) throw error;
    const { certFile, keyFile } = config.tls;
    const reason = (error as Error).message;
    throw new ConfigError(
      /key values mismatch/.test(reason)
        ? `--tls-key ${keyFile} is not the private key of --tls-cert ${certFile} (${reason}). Pass the key the certificate was issued for.`
        : `--tls-cert ${certFile} or --tls-key ${keyFile} is not a PEM certificate and its private key (${reason}).`,
    );
  }
  for (const warning of config.warnings) logger('warn', warning);
  if (storage instanceof S3Storage && storage.conditionalWrites === false) {
    logger(
      'warn',
      `${storage.description}: the S3 service ignores conditional writes (If-None-Match/If-Match), so two replicas ` +
        'racing on one hash may both store it (either artifact is valid) and eviction sweeps are not limited to one ' +
        'replica at a time. AWS S3, MinIO (2024-11 or newer) and R2 honour them.',
    );
  }
  const replica = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${config.port} on ${config.host} is already in use: stop the other process or pass --port <free port> (0 picks one).`,
            )
          : error,
      ),
    );
    server.listen(config.port, config.host, done);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${{ '0.0.0.0': '127.0.0.1', '[::]': '[::1]' }[host] ?? host}:${port}`;
  // Sweeps run one at a time, the first right after listening: a large store takes a while to list.
  let sweeping: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const runSweep = async (): Promise<SweepResult> => {
    try {
      const lease = await storage.acquireLease?.('eviction', replica, EVICTION_LEASE_MS);
      if (lease && !lease.acquired) {
        logger('info', 'eviction sweep skipped: another replica holds the eviction lease', {
          holder: lease.holder,
          expiresAt: lease.expiresAt.toISOString(),
        });
        return { skipped: true, holder: lease.holder, expiresAt: lease.expiresAt };
      }
      let result: EvictionResult;
      try {
        result = await evict(storage, { maxTotalSize: config.maxTotalSize, maxAge: config.maxAge });
      } finally {
        await lease?.release();
      }
      metrics.evicted.inc(result.evict.length);
      metrics.storedBytes.set(result.keptBytes);
      metrics.storedEntries.set(result.keptEntries);
      metrics.evictionProblems.inc(result.problems.length);
      for (const problem of result.problems) {
        logger('warn', 'eviction skipped a path it cannot read or delete', {
          ...problem,
          fix: "give the server's user access to it or move it out of the cache folder; everything else is still evicted",
        });
      }
      logger(result.evict.length || result.abandonedUploads ? 'info' : 'debug', 'eviction sweep', {
        evicted: result.evict.length,
        freedBytes: result.freedBytes,
        keptEntries: result.keptEntries,
        keptBytes: result.keptBytes,
        abandonedUploads: result.abandonedUploads,
        uploadBytes: result.uploadBytes,
        problems: result.problems.length,
      });
      return result;
    } catch (error) {
      metrics.evictionProblems.inc();
      logger('error', 'eviction sweep failed; the next one tries again', {
        error: (error as Error).stack ?? String(error),
      });
      throw error;
    }
  };
  const sweep = (): Promise<SweepResult> => {
    queued += 1;
    const run = sweeping.then(runSweep).finally(() => {
      queued -= 1;
    });
    sweeping = run.catch(() => undefined);
    return run;
  };
  // Logged by runSweep; a timer tick while a sweep still runs is skipped rather than queued.
  const sweepInBackground = () => {
    if (queued === 0) sweep().catch(() => undefined);
  };
  sweepInBackground();
  const timer = config.evictInterval > 0 ? setInterval(sweepInBackground, config.evictInterval) : undefined;
  timer?.unref();

  if (addonProblem && wantsSendfile)
    logger('info', `GETs go through user space: ${addonProblem}`, { sendfile: config.sendfile });
  if (addonProblem && wantsGroupCommit)
    logger('info', `each upload commits by its own fdatasync: ${addonProblem}`, { groupCommit: config.groupCommit });
  logger('info', 'listening', {
    url,
    tls: Boolean(tls),
    sendfile: Boolean(sendfile),
    groupCommit,
    storage: storage.description,
    tokens: config.tokens.map(({ name, scope, namespace }) => ({ name, scope, namespace })),
    anonymous: config.anonymous ?? null,
    maxEntrySize: config.maxEntrySize,
    maxTotalSize: config.maxTotalSize,
    maxAgeMs: config.maxAge,
  });

  return {
    url,
    storage,
    metrics,
    replica,
    sweep,
    close: async () => {
      if (timer) clearInterval(timer);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await sweeping;
      // Uploads already answered: their commit finishes before the process may exit.
      await storage.settle?.();
      if (storage instanceof S3Storage) storage.destroy();
    },
  };
}

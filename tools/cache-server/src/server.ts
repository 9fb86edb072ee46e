import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { Readable } from 'node:stream';
import type { TokenTable } from './auth';
import { HASH_PATTERN } from './keys';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import { sendFile, socketFd, type SendfileAddon } from './sendfile';
import { SizeMismatchError, type CacheStorage } from './storage/storage';

const CACHE_PATH = /^\/v1\/cache\/([^/?#]*)$/;

/**
 * A hit is recorded on an entry (for least-recently-used eviction) only when the last one recorded
 * is at least this old: a hot artifact fetched by every CI job costs one metadata write a minute,
 * not one per GET, and eviction's order is still right to the minute.
 */
export const HIT_RESOLUTION_MS = 60_000;

export interface CacheServerOptions {
  storage: CacheStorage;
  tokens: TokenTable;
  maxEntrySize: number;
  logger: Logger;
  metrics: Metrics;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /**
   * Sends the entries a backend keeps as files (StoredObject.file) with sendfile(2): the bytes go
   * from the page cache to the socket without a copy through the process. Plain HTTP only (TLS
   * encrypts in the process), for entries of at most `maxBytes`. Without it every GET streams
   * through user space.
   */
  sendfile?: { addon: SendfileAddon; slowMs: number; maxBytes: number };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Nx's self-hosted remote cache API (Nx 20.8+, the client is packages/nx/src/native/cache/http_remote_cache.rs):
 *   GET /v1/cache/{hash}  200 application/octet-stream | 404 | 401 | 403
 *   PUT /v1/cache/{hash}  200 stored | 409 exists (never overwritten) | 403 read-only token | 401
 *                         | 411 no Content-Length | 413 larger than the limit | 400 bad hash or short body
 * Nx's client treats anything but 200/404 on GET and 200/403/409 on PUT as an error, so a stored
 * artifact is answered 200 (not 201/202).
 */
export function createCacheServer(options: CacheServerOptions): Server | TlsServer {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const context: RequestContext = { bytesIn: 0, bytesOut: 0 };
    handle(req, res, options, context)
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : 500;
        const message =
          error instanceof HttpError
            ? error.message
            : 'internal error: the storage backend failed (see the server log)';
        if (status === 500)
          options.logger('error', 'request failed', {
            method: req.method,
            path: req.url,
            error: String((error as Error)?.stack ?? error),
          });
        sendText(res, status, message, req.method === 'PUT' && !req.complete);
      })
      .finally(() => {
        const path = (req.url ?? '').split('?')[0];
        if (path.startsWith('/v1/cache/'))
          options.metrics.requests.inc({ method: req.method ?? '', status: String(res.statusCode) });
        options.logger(path === '/metrics' || path === '/healthz' ? 'debug' : 'info', 'request', {
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
          bytesIn: context.bytesIn,
          bytesOut: context.bytesOut,
          token: context.tokenName,
          namespace: context.namespace,
        });
      });
  };
  return options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer(listener);
}

interface RequestContext {
  bytesIn: number;
  bytesOut: number;
  tokenName?: string;
  namespace?: string;
}

function sendText(res: ServerResponse, status: number, text: string, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Exactly "text/plain": Nx's client compares the header verbatim on 401 and reports anything
  // else (even "text/plain; charset=utf-8") as a misconfigured endpoint instead of the reason.
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(text),
  };
  // An unread request body would otherwise be parsed as the next request on a kept-alive socket.
  if (closeConnection) headers.connection = 'close';
  res.writeHead(status, headers).end(text);
}

/**
 * Writes `body` to `res` with backpressure and ends it; resolves once the last byte is handed to
 * the socket. On a failure of either side (a read error, the client hanging up) both are destroyed
 * and it rejects. What stream.pipeline does for two streams, without the AbortController and the
 * DOMException with a stack trace that pipeline creates for every call. `recycle` (the backend's,
 * see StoredObject) gets each chunk back once its bytes are in the socket.
 */
function send(body: Readable, res: ServerResponse, recycle?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      // The 'error' listeners stay: a late error (closing the file) is then ignored, not thrown.
      body.off('data', onData).off('end', onEnd);
      res.off('drain', onDrain).off('close', onClose).off('finish', onFinish);
      if (!error) resolve();
      else {
        body.destroy();
        res.destroy();
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      // Given back once the socket has taken the chunk's bytes, never before: until then the chunk
      // may be waiting in the response's buffer.
      const sent = recycle && ((error?: Error | null) => error || recycle(chunk));
      if (!res.write(chunk, sent)) body.pause();
    };
    const onDrain = () => body.resume();
    const onEnd = () => res.end();
    const onClose = () =>
      settle(
        res.writableFinished
          ? undefined
          : new Error('the client closed the connection before the whole artifact was sent'),
      );
    const onFinish = () => settle();
    body.on('data', onData).on('end', onEnd).on('error', settle);
    res.on('drain', onDrain).on('close', onClose).on('error', settle).on('finish', onFinish);
    // The client may have hung up while the entry was being looked up: 'close' has come and gone.
    if (res.destroyed) onClose();
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: CacheServerOptions,
  context: RequestContext,
): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz' && req.method === 'GET') {
    sendText(res, 200, `ok ${options.storage.description}\n`);
    return;
  }
  if (path === '/metrics' && req.method === 'GET') {
    const body = await options.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(body);
    return;
  }
  const match = CACHE_PATH.exec(path);
  if (!match) throw new HttpError(404, `not found: the cache API is GET/PUT /v1/cache/{hash}`);
  if (req.method !== 'GET' && req.method !== 'PUT') {
    res.setHeader('allow', 'GET, PUT');
    throw new HttpError(405, `method ${req.method} not allowed: use GET or PUT`);
  }

  const access = options.tokens.authorize(req.headers.authorization);
  if (!access.ok) {
    res.setHeader('www-authenticate', 'Bearer realm="nx-cache"');
    // Nx prints the body after its own "Unauthorized: " prefix.
    throw new HttpError(401, access.reason);
  }
  context.tokenName = access.grant.name;
  context.namespace = access.grant.namespace;
  let hash: string;
  try {
    hash = decodeURIComponent(match[1]);
  } catch {
    throw new HttpError(400, `invalid hash "${match[1].slice(0, 140)}": not valid percent-encoding`);
  }
  if (!HASH_PATTERN.test(hash))
    throw new HttpError(400, `invalid hash "${hash.slice(0, 140)}": expected 1-128 characters of [A-Za-z0-9_-]`);
  const key = `${access.grant.namespace}/${hash}`;
  const labels = { namespace: access.grant.namespace };

  if (req.method === 'GET') {
    const object = await options.storage.get(key);
    if (!object) {
      options.metrics.misses.inc(labels);
      sendText(res, 404, 'not found');
      return;
    }
    options.metrics.hits.inc(labels);
    const now = new Date();
    if (!object.lastHit || now.getTime() - object.lastHit.getTime() >= HIT_RESOLUTION_MS)
      options.storage
        .touch?.(key, now)
        .catch((error: Error) =>
          options.logger('warn', 'could not record a hit for eviction', { key, error: error.message }),
        );
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': object.size });
    const { sendfile } = options;
    const file = sendfile && object.size > 0 && object.size <= sendfile.maxBytes ? object.file : undefined;
    const socket = file && socketFd(res);
    if (sendfile && file && socket !== undefined) {
      try {
        await sendFile(res, socket, file.fd, object.size, sendfile.addon, sendfile.slowMs);
      } finally {
        // Closes the file, which sendFile leaves open until the kernel is done with it.
        object.body.destroy();
      }
    } else await send(object.body, res, object.recycle);
    context.bytesOut = object.size;
    options.metrics.bytesOut.inc(labels, object.size);
    return;
  }

  if (access.grant.scope !== 'read-write') {
    throw new HttpError(
      403,
      `Forbidden: token "${access.grant.name}" is read-only; only trusted branches get a read-write token`,
    );
  }
  const lengthHeader = req.headers['content-length'];
  if (lengthHeader === undefined)
    throw new HttpError(411, 'Length Required: send the artifact with a Content-Length header');
  if (!/^\d+$/.test(lengthHeader)) throw new HttpError(400, `invalid Content-Length "${lengthHeader}"`);
  const size = Number(lengthHeader);
  if (size > options.maxEntrySize) {
    throw new HttpError(
      413,
      `Payload Too Large: ${size} bytes exceeds the server's limit of ${options.maxEntrySize} (--max-entry-size)`,
    );
  }
  if (await options.storage.exists(key))
    throw new HttpError(409, 'Conflict: this hash is already cached and is never overwritten');

  // A backend that commits after receiving (fs: fdatasync, then link) says when every byte is
  // written: the answer goes then, and the client does not wait for the disk (see FileSystemStorage.put).
  let answered = false;
  const written = () => {
    answered = true;
    sendText(res, 200, 'stored');
  };
  let outcome: 'stored' | 'exists';
  try {
    outcome = await options.storage.put(key, req, size, written);
  } catch (error) {
    if (!answered) {
      if (error instanceof SizeMismatchError) throw new HttpError(400, `Bad Request: ${error.message}`);
      throw error;
    }
    options.metrics.commitFailures.inc();
    options.logger('error', 'an upload answered 200 could not be stored: it will be a cache miss', {
      key,
      error: String((error as Error)?.message ?? error),
    });
    return;
  }
  if (outcome === 'exists') {
    // Answered already: another process sharing the store linked the same hash first.
    if (answered) return;
    throw new HttpError(409, 'Conflict: this hash is already cached and is never overwritten');
  }
  context.bytesIn = size;
  options.metrics.stores.inc(labels);
  options.metrics.bytesIn.inc(labels, size);
  if (!answered) sendText(res, 200, 'stored');
}

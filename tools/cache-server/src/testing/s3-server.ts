import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../config';

/** A Koa context, as much of it as the conditional-write middleware uses. */
interface KoaContext {
  method: string;
  path: string;
  querystring: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}

interface S3rverInternals {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  store: {
    existsObject(bucket: string, key: string): Promise<boolean>;
    getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  };
}

export interface TestS3Server {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  bucket: string;
  /** Settings for S3Storage under `prefix`. */
  settings(prefix?: string): S3Settings;
  /** Object PUTs that reached the service (whether stored or refused), by key. */
  putsOf(key: string): number;
  /** Resolves once `count` PUTs of `key` have reached the service. */
  waitForPuts(key: string, count: number): Promise<void>;
  close(): Promise<void>;
}

function s3Error(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * s3rver (an S3 implementation in Node) on 127.0.0.1, free port, one bucket. s3rver 3.7 ignores
 * conditional writes, so with `conditionalWrites` (the default) a middleware in front of it answers
 * them as AWS S3 does since 2024: a PUT with `If-None-Match: *` gets 412 PreconditionFailed when
 * the key exists, a PUT or DELETE with `If-Match: <etag>` gets 412 unless the stored ETag is that
 * one, and a conditional request on a key another conditional request is still writing gets 409
 * ConditionalRequestConflict (the service decides each key's writes one at a time). Without it,
 * it behaves as stores that ignore the headers (s3rver itself, older MinIO).
 */
export async function startTestS3Server({
  conditionalWrites = true,
  bucket = 'nx-cache',
}: { conditionalWrites?: boolean; bucket?: string } = {}): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const internals = s3 as unknown as S3rverInternals;
  const puts = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const writing = new Set<string>();

  const objectOf = (ctx: KoaContext): { bucket: string; key: string } | null => {
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    // Multipart and other sub-resources (?uploads, ?partNumber, ?acl) are left to s3rver; the SDK
    // names its operation in ?x-id=.
    const query = [...new URLSearchParams(ctx.querystring).keys()].filter((name) => name !== 'x-id');
    if (!match || query.length > 0) return null;
    return { bucket: decodeURIComponent(match[1]), key: decodeURIComponent(match[2]) };
  };

  // Keys whose first PUT is still being written. s3rver streams a PUT into the object's file as it
  // arrives, so without this a HEAD or GET during the upload would see a partial object; S3 shows an
  // object only once its PUT has completed.
  const uploading = new Map<string, number>();

  // Runs before s3rver's own middleware (Koa composes the array when the server starts).
  internals.middleware.unshift(async (ctx, next) => {
    const object = ['PUT', 'DELETE', 'GET', 'HEAD'].includes(ctx.method) ? objectOf(ctx) : null;
    if (!object) return next();
    const id = `${object.bucket}/${object.key}`;
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      if (uploading.has(id)) return s3Error(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
      return next();
    }
    if (ctx.method === 'PUT') {
      puts.set(object.key, (puts.get(object.key) ?? 0) + 1);
      for (const wake of waiters.splice(0)) wake();
      if (!(await internals.store.existsObject(object.bucket, object.key))) {
        uploading.set(id, (uploading.get(id) ?? 0) + 1);
        try {
          return await conditional(ctx, next, object, id);
        } finally {
          const left = (uploading.get(id) ?? 1) - 1;
          if (left > 0) uploading.set(id, left);
          else uploading.delete(id);
        }
      }
    }
    return conditional(ctx, next, object, id);
  });

  async function conditional(
    ctx: KoaContext,
    next: () => Promise<void>,
    object: { bucket: string; key: string },
    id: string,
  ): Promise<void> {
    const noneMatch = ctx.headers['if-none-match'];
    const ifMatch = ctx.headers['if-match'];
    if (!conditionalWrites || (noneMatch === undefined && ifMatch === undefined)) return next();
    if (writing.has(id)) {
      return s3Error(ctx, 409, 'ConditionalRequestConflict', 'A conflicting conditional operation is in progress');
    }
    writing.add(id);
    try {
      const exists = await internals.store.existsObject(object.bucket, object.key);
      if (noneMatch === '*' && ctx.method === 'PUT' && exists) {
        return s3Error(ctx, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      if (typeof ifMatch === 'string') {
        const etag = exists ? (await internals.store.getMetadata(object.bucket, object.key)).etag : undefined;
        if (etag === undefined || etag.replace(/"/g, '') !== ifMatch.replace(/"/g, '')) {
          return s3Error(
            ctx,
            exists ? 412 : 404,
            exists ? 'PreconditionFailed' : 'NoSuchKey',
            exists
              ? 'At least one of the pre-conditions you specified did not hold'
              : 'The specified key does not exist.',
          );
        }
      }
      await next();
    } finally {
      writing.delete(id);
    }
  }

  const { port } = (await s3.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts these fixed credentials; the SDK reads them from the environment.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  return {
    endpoint,
    bucket,
    settings: (prefix = 'nx/') => ({ bucket, prefix, region: 'us-east-1', endpoint, forcePathStyle: true }),
    putsOf: (key) => puts.get(key) ?? 0,
    waitForPuts: async (key, count) => {
      while ((puts.get(key) ?? 0) < count) await new Promise<void>((wake) => waiters.push(wake));
    },
    close: async () => {
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

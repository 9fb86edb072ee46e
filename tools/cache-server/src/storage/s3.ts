import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ConfigError, type S3Settings } from '../config';
import { isEntryKey, OWNER_MARKER, OWNER_MARKER_TEXT } from '../keys';
import { byteCounter } from './fs';
import {
  SizeMismatchError,
  type CacheStorage,
  type LeaseAttempt,
  type StoredEntry,
  type StoredObject,
} from './storage';

/** A conditional write refused: 412 (the condition does not hold) or 409 (another conditional write of the key is in progress). */
function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 412 || error.$metadata.httpStatusCode === 409)
  );
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound')
  );
}

/**
 * Artifacts as objects in any S3-compatible bucket: <prefix><namespace>/<hash>. The scale-out
 * path: several stateless server instances (replicas) in front of one bucket.
 *
 * "First writer wins" is a HEAD check (a cheap 409 without uploading) and then a conditional write,
 * `If-None-Match: *`: the service stores the first PUT of a key and refuses the others with 412
 * (or 409 while the first is still being written), so two replicas racing on one hash store exactly
 * one artifact. AWS S3 (since 2024-08), MinIO (since 2024-11) and Cloudflare R2 honour it. A service
 * that ignores the header (s3rver, older MinIO, some others) keeps only the HEAD check: two
 * writers racing on one hash within the same upload could both write, the later one replacing the
 * earlier; equal hashes mean equal task inputs, so either artifact is a valid one. claim() finds
 * out which kind of service it talks to (`conditionalWrites`), and the server warns at start-up.
 *
 * The eviction lease is an object <prefix>.lease-<name> holding its holder and expiry, created with
 * `If-None-Match: *` and taken over, once expired, with `If-Match: <its ETag>`.
 */
export class S3Storage implements CacheStorage {
  readonly description: string;
  private readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    client?: S3Client,
  ) {
    this.description = `s3://${settings.bucket}/${settings.prefix}`;
    this.client =
      client ??
      new S3Client({
        region: settings.region,
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        // Checksums only where S3 requires them: the default (CRC32 trailers over aws-chunked
        // uploads) is not understood by several S3-compatible services.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  /** Whether the service honours conditional writes (If-None-Match, If-Match); known after claim(). */
  conditionalWrites: boolean | undefined;

  async claim(): Promise<void> {
    await this.ensureMarker();
    this.conditionalWrites = await this.probeConditionalWrites();
  }

  /**
   * Writes the marker again with `If-None-Match: *`: a service that honours the header refuses it,
   * one that ignores it replaces the marker with the same text.
   */
  private async probeConditionalWrites(): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: `${this.settings.prefix}${OWNER_MARKER}`,
          Body: OWNER_MARKER_TEXT,
          ContentType: 'text/plain',
          IfNoneMatch: '*',
        }),
      );
      return false;
    } catch (error) {
      if (isConditionFailure(error)) return true;
      throw error;
    }
  }

  private async ensureMarker(): Promise<void> {
    const { bucket, prefix } = this.settings;
    const marker = `${prefix}${OWNER_MARKER}`;
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: marker }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const other = page.Contents?.[0]?.Key;
    if (other !== undefined) {
      const fix = prefix
        ? `Pass another --s3-prefix (one of its own)`
        : `Pass --s3-prefix nx-cache/ (a prefix of its own) or use a bucket of its own`;
      throw new ConfigError(
        `s3://${bucket}/${prefix} holds objects this server did not write (e.g. "${other}") and no ${OWNER_MARKER} marker, ` +
          `so eviction could delete them. ${fix}; if they are the cache of an earlier cache-server, mark them as the server's own: ` +
          `aws s3api put-object --bucket ${bucket} --key ${marker}`,
      );
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: marker,
          Body: OWNER_MARKER_TEXT,
          ContentType: 'text/plain',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // Another server sharing the prefix marked it first.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private objectKey(key: string): string {
    return `${this.settings.prefix}${key}`;
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }),
      );
      return { body: object.Body as Readable, size: Number(object.ContentLength) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async put(key: string, body: Readable, size: number): Promise<'stored' | 'exists'> {
    if (await this.exists(key)) {
      body.resume();
      return 'exists';
    }
    const counter = byteCounter(size);
    body.on('error', (error) => counter.destroy(error));
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.objectKey(key),
          Body: body.pipe(counter),
          ContentLength: size,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      throw error;
    }
    if (counter.count() !== size) {
      await this.delete(key);
      throw new SizeMismatchError(size, counter.count());
    }
    return 'stored';
  }

  async *list(): AsyncIterable<StoredEntry> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: this.settings.prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.settings.prefix.length);
        // Only <namespace>/<hash>: the marker and anything else under the prefix are not entries.
        if (!key || !isEntryKey(key)) continue;
        yield { key, size: Number(object.Size ?? 0), storedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }));
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseAttempt> {
    const key = `${this.settings.prefix}.lease-${name}`;
    const write = async (condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<LeaseAttempt | null> => {
      const lease = { holder, expiresAt: new Date(Date.now() + ttlMs).toISOString() };
      try {
        const { ETag } = await this.client.send(
          new PutObjectCommand({
            Bucket: this.settings.bucket,
            Key: key,
            Body: JSON.stringify(lease),
            ContentType: 'application/json',
            ...condition,
          }),
        );
        return { acquired: true, release: () => this.releaseLease(key, ETag) };
      } catch (error) {
        if (isConditionFailure(error)) return null;
        throw error;
      }
    };
    // A lease can be deleted or taken over between our reads and writes: a few rounds settle it.
    for (let round = 0; round < 3; round += 1) {
      const created = await write({ IfNoneMatch: '*' });
      if (created) return created;
      const current = await this.readLease(key);
      if (!current) continue;
      if (current.expiresAt.getTime() > Date.now())
        return { acquired: false, holder: current.holder, expiresAt: current.expiresAt };
      const taken = await write({ IfMatch: current.etag });
      if (taken) return taken;
    }
    const current = await this.readLease(key);
    return { acquired: false, holder: current?.holder ?? 'unknown', expiresAt: current?.expiresAt ?? new Date() };
  }

  /** The lease's holder, expiry and ETag; an unreadable body counts as expired. */
  private async readLease(key: string): Promise<{ holder: string; expiresAt: Date; etag: string } | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      const text = (await object.Body?.transformToString()) ?? '';
      let parsed: { holder?: unknown; expiresAt?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        parsed = {};
      }
      const expiresAt = new Date(typeof parsed.expiresAt === 'string' ? parsed.expiresAt : 0);
      return {
        holder: typeof parsed.holder === 'string' ? parsed.holder : 'unknown',
        expiresAt: Number.isNaN(expiresAt.getTime()) ? new Date(0) : expiresAt,
        etag: object.ETag ?? '',
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Deletes the lease only while it is still the one we wrote (If-Match), so a takeover after expiry stays. */
  private async releaseLease(key: string, etag: string | undefined): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key, IfMatch: etag }));
    } catch (error) {
      if (!isConditionFailure(error) && !isNotFound(error)) throw error;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

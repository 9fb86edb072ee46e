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
import { SizeMismatchError, type CacheStorage, type StoredEntry, type StoredObject } from './storage';

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound')
  );
}

/**
 * Artifacts as objects in any S3-compatible bucket: <prefix><namespace>/<hash>. The scale-out
 * path: several stateless server instances in front of one bucket.
 *
 * "First writer wins" uses a conditional write (If-None-Match: *, honoured by AWS S3 since 2024,
 * MinIO and R2) after a HEAD check; a service that ignores the header (s3rver, older MinIO) keeps
 * the HEAD check, so only two writers racing on the same hash within milliseconds could both
 * write, and since equal hashes mean equal task inputs, the bytes they write are equivalent.
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

  async claim(): Promise<void> {
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
      if (!(error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)) throw error;
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
      if (
        error instanceof S3ServiceException &&
        (error.$metadata.httpStatusCode === 412 || error.$metadata.httpStatusCode === 409)
      ) {
        return 'exists';
      }
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

  destroy(): void {
    this.client.destroy();
  }
}

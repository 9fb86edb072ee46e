import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SizeMismatchError, type CacheStorage, type StoredEntry, type StoredObject } from './storage';

const TMP_DIR = '.tmp';

/** Counts bytes and fails the stream as soon as it carries more than `limit`. */
export function byteCounter(limit: number): Transform & { count: () => number } {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new SizeMismatchError(limit, seen));
      else done(null, chunk);
    },
  });
  return Object.assign(counter, { count: () => seen });
}

/**
 * Artifacts as files: <root>/<namespace>/<first two hash chars>/<hash>. A PUT streams into
 * <root>/.tmp/ and is then hard-linked into place: link(2) fails with EEXIST when the entry is
 * already there, which makes "first writer wins" atomic even across processes sharing the folder.
 */
export class FileSystemStorage implements CacheStorage {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `fs:${root}`;
  }

  private pathOf(key: string): string {
    const [namespace, hash] = key.split('/');
    return join(this.root, namespace, hash.slice(0, 2), hash);
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    try {
      const { size } = await stat(path);
      return { body: createReadStream(path), size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
    );
  }

  async put(key: string, body: Readable, size: number): Promise<'stored' | 'exists'> {
    const final = this.pathOf(key);
    const tmp = join(this.root, TMP_DIR, `${randomBytes(8).toString('hex')}.part`);
    await mkdir(dirname(tmp), { recursive: true });
    await mkdir(dirname(final), { recursive: true });
    const counter = byteCounter(size);
    try {
      await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx' }));
      if (counter.count() !== size) throw new SizeMismatchError(size, counter.count());
      await link(tmp, final);
      return 'stored';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async *list(): AsyncIterable<StoredEntry> {
    const namespaces = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const namespace of namespaces) {
      if (!namespace.isDirectory() || namespace.name === TMP_DIR) continue;
      const shards = await readdir(join(this.root, namespace.name), { withFileTypes: true });
      for (const shard of shards) {
        if (!shard.isDirectory()) continue;
        for (const file of await readdir(join(this.root, namespace.name, shard.name))) {
          const info = await stat(join(this.root, namespace.name, shard.name, file)).catch(() => null);
          if (info?.isFile()) yield { key: `${namespace.name}/${file}`, size: info.size, storedAt: info.mtime };
        }
      }
    }
  }

  async touch(key: string, when: Date): Promise<void> {
    await utimes(this.pathOf(key), when, when).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

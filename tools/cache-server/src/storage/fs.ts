import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
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

/** fsyncs a folder, so the names created in it (a linked entry, a new folder) survive a crash. */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } catch (error) {
    // Some file systems (several network ones) cannot fsync a folder: there is nothing more to do.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    await folder.close();
  }
}

/**
 * Artifacts as files: <root>/<namespace>/<first two hash chars>/<hash>. A PUT streams into
 * <root>/.tmp/, is fsynced, and is then hard-linked into place (and the folder fsynced): link(2)
 * fails with EEXIST when the entry is already there, which makes "first writer wins" atomic even
 * across processes sharing the folder, and a crash never leaves a linked entry with missing bytes.
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

  /**
   * Opens the entry before anything is answered: an eviction that unlinks it afterwards leaves the
   * open file readable to the end, so a 200 is always followed by the whole artifact.
   */
  async get(key: string): Promise<StoredObject | null> {
    let file: FileHandle;
    try {
      file = await open(this.pathOf(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const { size } = await file.stat();
      // The stream closes the file when it ends, fails or is destroyed.
      return { body: file.createReadStream(), size };
    } catch (error) {
      await file.close();
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
    const created = await mkdir(dirname(final), { recursive: true });
    const counter = byteCounter(size);
    try {
      const file = await open(tmp, 'wx');
      try {
        // Written here rather than through a write stream, which would close the file before the fsync.
        await pipeline(body, counter, async (chunks: AsyncIterable<Buffer>) => {
          for await (const chunk of chunks) {
            for (let written = 0; written < chunk.length; ) written += (await file.write(chunk, written)).bytesWritten;
          }
        });
        if (counter.count() !== size) throw new SizeMismatchError(size, counter.count());
        await file.sync();
      } finally {
        await file.close();
      }
      await link(tmp, final);
      // The new name, and the name of each folder this PUT created, down from the first one.
      const folders = [dirname(final)];
      if (created) for (let folder = dirname(final); folder !== dirname(created); folder = dirname(folder)) folders.push(dirname(folder));
      for (const folder of folders) await syncFolder(folder);
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

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { ConfigError } from '../config';
import { HASH_PATTERN, NAMESPACE_PATTERN, OWNER_MARKER, OWNER_MARKER_TEXT } from '../keys';
import { GroupCommit } from './group-commit';
import {
  SizeMismatchError,
  type CacheStorage,
  type StorageProblem,
  type StoredEntry,
  type StoredObject,
  type UploadSweep,
} from './storage';

const TMP_DIR = '.tmp';

/**
 * Read size of a GET: each read is a trip through libuv's thread pool and back, and on a busy
 * machine every trip waits for the scheduler, so 4x Node's default (64 KiB). Larger chunks cost
 * memory that does not come back: a GET holds about two chunks (one read while one is written),
 * and at 64 clients 1 MiB chunks took the peak RSS from 192 MiB with 1 MiB artifacts to 352 MiB
 * with 500 MiB ones (256 KiB: 171 -> 202 MiB).
 */
export const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Read buffers a storage keeps for its next GETs, once the server has given them back (their
 * bytes are in the socket). A fresh buffer per read is memory V8 only counts as "external": at
 * 1 GiB/s of GETs that is 1 GiB/s of it, and it set off a full garbage collection every few dozen
 * 1 MiB GETs, besides a page fault per 4 KiB of every new buffer. In a profile of a single client
 * GETting 1 MiB entries, the collector took a quarter of the server's CPU. Capped (8 MiB): a burst
 * of clients allocates beyond it, and what the cap does not keep is collected as before.
 */
export const SPARE_READ_BUFFERS = 32;

/**
 * Bytes of a PUT's body gathered into one write (the socket delivers 64 KiB at a time): a quarter
 * of the write calls (on the event loop, or in the thread pool once one was slow). Not more: on
 * this machine's kernel (6.18, ext4) a 1 MiB write into a new file took 2-3x the system time of the
 * same bytes in 64 KiB writes.
 */
export const WRITE_BATCH_BYTES = 256 * 1024;

/**
 * Write-behind: each time a PUT has written this many bytes more, an fdatasync of what it has
 * written so far starts in the background while the body keeps arriving (RocksDB's bytes_per_sync,
 * with the calls Node has). The disk then flushes while the network delivers, and the fdatasync
 * before the answer only has the tail left: for a 500 MiB artifact on this machine's disk, 2 ms
 * instead of 230 ms (`node` loop of 256 KiB writes, 4 and 16 MiB steps; 16 was the faster).
 * It also keeps dirty pages from piling up until the kernel throttles every writer.
 */
export const WRITE_BEHIND_BYTES = 16 * 1024 * 1024;

/**
 * Background fdatasyncs running at once, across all uploads: each holds one of libuv's four
 * thread-pool threads for the length of a disk flush, and reads and writes need the others. An
 * upload that finds them all busy skips its step; the fdatasync of its commit covers the rest.
 */
export const MAX_BACKGROUND_FLUSHES = 2;
let backgroundFlushes = 0;

/**
 * A write of WRITE_BATCH_BYTES into the page cache takes tens to a couple of hundred microseconds,
 * and a PUT's writes are made on the event loop, as nginx makes them: with 64 clients uploading,
 * the trips through the thread pool (two context switches per batch, on a core the event loop
 * shares) cost a fifth of the throughput: 50 MiB x 64 PUTs went from 666-780 to 845-997 MiB/s,
 * 500 MiB x 64 from 734-787 to 924-1108, one client's 1 MiB PUTs from 353-377 to 392-417
 * (A/B with nginx, 3 rounds). A write slower than this waited for the disk (the kernel throttles
 * writers when dirty pages pile up): the rest of that upload is written in the thread pool, so a
 * slow disk holds the event loop for one write per upload, not for the whole body.
 */
export const SLOW_WRITE_MS = 2;

/**
 * A partial upload untouched this long has no live request behind it: Node's HTTP server ends a
 * request that has not arrived whole within server.requestTimeout (5 minutes), and the handler
 * then deletes its file. The margin covers clocks of other hosts sharing the folder.
 */
export const ABANDONED_UPLOAD_AGE_MS = 10 * 60_000;

/**
 * Partial uploads are named <random>.<pid>@<host>.part, so a restarted server knows at once which
 * ones a dead process on its own host left (a file without the owner is from an earlier version).
 * Servers sharing the folder from different hosts (or containers) leave each other's files to the
 * age rule.
 */
const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, '-');

/** The owner in a partial upload's name ({} when an earlier version wrote it), or null for another file. */
function partOwner(name: string): { pid?: number; host?: string } | null {
  if (!/^[0-9a-f]{16}\./.test(name) || !name.endsWith('.part')) return null;
  const owner = name.slice(17, -'.part'.length);
  const at = owner.indexOf('@');
  if (!owner) return {};
  if (at < 1 || !/^\d+$/.test(owner.slice(0, at))) return null;
  return { pid: Number(owner.slice(0, at)), host: owner.slice(at + 1) };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
 * A read of READ_CHUNK_BYTES from the page cache takes tens of microseconds; one that took longer
 * than this went to the disk, and the rest of that file is read in the thread pool.
 */
export const SLOW_READ_MS = 2;

/**
 * A stored entry's bytes, from its open file: exactly `size` bytes (entries are never rewritten),
 * READ_CHUNK_BYTES per read, one chunk ahead of the consumer, into buffers from `takeBuffer` (the
 * storage's spares, see SPARE_READ_BUFFERS). Closes the file when it ends, fails or is destroyed.
 *
 * Reads are made on the event loop, as nginx makes them (its sendfile and read are blocking calls
 * in the worker unless `aio threads` is set): a chunk in the page cache is a copy of tens of
 * microseconds, where a trip through libuv's thread pool costs two context switches and a wakeup.
 * On this machine a single client's GET of a 500 MiB entry went from a median of 298 to 488 MiB/s
 * (CPU 2.3-2.5 -> 0.7-2.0 s per GiB), of a 50 MiB entry from 255 to 330 MiB/s (the two servers
 * side by side with nginx, 6 interleaved rounds of 3 s, bench/cache-server-load.mjs). A
 * read slower than SLOW_READ_MS came from the disk: that file's remaining reads go to the thread
 * pool, so a cold artifact holds the event loop for one read, not for the whole file.
 */
class FileBody extends Readable {
  private position = 0;
  /** Until a read is slow: read on the event loop. */
  private onLoop = true;
  /** Set while a read is in the thread pool: the file is closed after it, never under it. */
  private reading = false;
  private closeAfterRead?: () => void;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly size: number,
    private readonly slowReadMs: number,
    private readonly takeBuffer: () => Buffer,
  ) {
    super({ highWaterMark: READ_CHUNK_BYTES });
    if (size === 0) this.push(null);
  }

  override _read(): void {
    const length = Math.min(READ_CHUNK_BYTES, this.size - this.position);
    const buffer = this.takeBuffer();
    if (this.onLoop) {
      const started = performance.now();
      let bytesRead: number;
      try {
        bytesRead = fs.readSync(this.fd, buffer, 0, length, this.position);
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
      if (performance.now() - started > this.slowReadMs) this.onLoop = false;
      this.deliver(buffer, bytesRead);
      return;
    }
    this.reading = true;
    fs.read(this.fd, buffer, 0, length, this.position, (error, bytesRead) => {
      this.reading = false;
      if (this.closeAfterRead) this.closeAfterRead();
      else if (error) this.destroy(error);
      else this.deliver(buffer, bytesRead);
    });
  }

  private deliver(buffer: Buffer, bytesRead: number): void {
    if (bytesRead === 0) {
      this.destroy(new Error(`${this.path} ended after ${this.position} of its ${this.size} bytes`));
      return;
    }
    this.position += bytesRead;
    // The buffer is READ_CHUNK_BYTES long (see takeBuffer); the file's last read fills part of it.
    this.push(bytesRead < buffer.length ? buffer.subarray(0, bytesRead) : buffer);
    if (this.position === this.size) this.push(null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Closing a file opened for reading only releases it: microseconds, no reason for the pool.
    const close = () => {
      try {
        fs.closeSync(this.fd);
      } catch (closeError) {
        callback(error ?? (closeError as Error));
        return;
      }
      callback(error);
    };
    if (this.reading) this.closeAfterRead = close;
    else close();
  }
}

/**
 * Writes what a short writev left of `buffers`. A regular file takes a whole write unless the disk
 * fills up, and then the next write fails at once: this runs on the event loop, whichever side the
 * writev ran on.
 */
function writeRestSync(fd: number, buffers: Buffer[], bytesWritten: number): void {
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  for (let written = 0; written < rest.length; ) written += fs.writeSync(fd, rest, written);
}

/** Writes `buffers` (`total` bytes) at the file's position, all of them, in the thread pool. */
async function writeAll(fd: number, buffers: Buffer[], total: number): Promise<void> {
  const bytesWritten = await new Promise<number>((resolve, reject) =>
    fs.writev(fd, buffers, (error, written) => (error ? reject(error) : resolve(written))),
  );
  if (bytesWritten < total) writeRestSync(fd, buffers, bytesWritten);
}

/** writeAll on the event loop (see SLOW_WRITE_MS). */
function writeAllSync(fd: number, buffers: Buffer[], total: number): void {
  const bytesWritten = fs.writevSync(fd, buffers);
  if (bytesWritten < total) writeRestSync(fd, buffers, bytesWritten);
}

/** fdatasync(2) in the thread pool: it waits for the disk. */
function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

/**
 * Artifacts as files: <root>/<namespace>/<first two hash chars>/<hash>. A PUT streams into
 * <root>/.tmp/, is fdatasynced (or synced with others by a group commit: GroupCommit), and is then
 * hard-linked into place: link(2) fails with EEXIST when
 * the entry is already there, which makes "first writer wins" atomic even across processes sharing
 * the folder, and since the bytes are on disk before the name exists, a crash never leaves a
 * linked entry with missing bytes.
 *
 * The folder is not fsynced after the link. That fsync would only make the new name survive a
 * crash in the few seconds before the file system commits it on its own (ext4: every 5 s), and it
 * cost twice the file's own fdatasync: 4.4 ms against 1.5 ms per 1 MiB entry on this machine's
 * disk (`node` loop of 100 files, each written, fdatasynced, closed, then its folder fsynced). A
 * name lost in a crash is a cache miss, rebuilt by the next run; a partial entry would be a wrong
 * build, and cannot happen.
 */
export class FileSystemStorage implements CacheStorage {
  readonly description: string;
  /** This process's uploads in progress, by file name. */
  private readonly uploading = new Set<string>();
  /**
   * Uploads answered but still committing (see put), by key; each promise resolves when its commit
   * has ended, either way. A GET, an existence check or a PUT of the key waits for it, so this
   * process reads its own writes.
   */
  private readonly committing = new Map<string, Promise<void>>();
  /** Read buffers given back (see SPARE_READ_BUFFERS), and every one this storage allocated. */
  private readonly spareReadBuffers: Buffer[] = [];
  private readonly readBuffers = new WeakSet<ArrayBufferLike>();
  private readonly takeReadBuffer = (): Buffer => {
    const spare = this.spareReadBuffers.pop();
    if (spare) return spare;
    const buffer = Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    this.readBuffers.add(buffer.buffer);
    return buffer;
  };
  /**
   * StoredObject.recycle: a chunk of one of this storage's GET bodies, exactly as the body emitted
   * it, whose bytes have left the process. Anything else is ignored.
   */
  private readonly recycleReadBuffer = (chunk: Buffer): void => {
    const spares = this.spareReadBuffers;
    if (!this.readBuffers.has(chunk.buffer) || spares.length >= SPARE_READ_BUFFERS) return;
    // Given back twice, a buffer would be handed to two reads at once.
    if (spares.some((spare) => spare.buffer === chunk.buffer)) return;
    spares.push(Buffer.from(chunk.buffer, 0, READ_CHUNK_BYTES));
  };

  /** Set with the `syncfs` option: commits share syncs of the root's file system (see GroupCommit). */
  readonly groupCommit?: GroupCommit;

  /**
   * `slowReadMs`, `slowWriteMs`: see SLOW_READ_MS, SLOW_WRITE_MS (tests set them to pin where I/O
   * runs). `syncfs`: syncs the file system holding a descriptor (the native addon's); with it,
   * uploads commit by group commit, else each by its own fdatasync.
   */
  constructor(
    private readonly root: string,
    private readonly options: {
      slowReadMs?: number;
      slowWriteMs?: number;
      syncfs?: (fd: number) => Promise<void>;
    } = {},
  ) {
    this.description = `fs:${root}`;
    const { syncfs } = options;
    if (syncfs) {
      this.groupCommit = new GroupCommit(async () => {
        // The root's own descriptor, opened per sync: the server holds none between them.
        const fd = fs.openSync(root, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
        try {
          await syncfs(fd);
        } finally {
          fs.closeSync(fd);
        }
      });
    }
  }

  async claim(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const marker = join(this.root, OWNER_MARKER);
    const names = await readdir(this.root);
    if (names.includes(OWNER_MARKER)) return;
    // A file system's root holds lost+found: a volume of its own is still an empty folder.
    const others = names.filter((name) => name !== 'lost+found');
    if (others.length > 0) {
      throw new ConfigError(
        `--dir ${this.root} holds files this server did not write (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}) ` +
          `and no ${OWNER_MARKER} marker, so eviction could delete them. Point --dir at an empty folder or a new one ` +
          `(e.g. ${join(this.root, 'nx-cache')}); if it is the cache of an earlier cache-server, mark it as the server's own: touch ${marker}`,
      );
    }
    await writeFile(marker, OWNER_MARKER_TEXT, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      // Another server sharing the folder marked it first.
      if (error.code !== 'EEXIST') throw error;
    });
  }

  private pathOf(key: string): string {
    const [namespace, hash] = key.split('/');
    return join(this.root, namespace, hash.slice(0, 2), hash);
  }

  /**
   * Opens the entry before anything is answered: an eviction that unlinks it afterwards leaves the
   * open file readable to the end, so a 200 is always followed by the whole artifact. The open and
   * the stat are made on the event loop, as nginx makes them: they only read metadata and take
   * microseconds, where each trip through libuv's thread pool and back costs two context switches
   * (on a busy machine, two waits for the scheduler). Only the artifact's bytes are read there.
   */
  async get(key: string): Promise<StoredObject | null> {
    if (this.committing.size > 0) await this.committing.get(key);
    const path = this.pathOf(key);
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const { size, mtime } = fs.fstatSync(fd);
      return {
        body: new FileBody(fd, path, size, this.options.slowReadMs ?? SLOW_READ_MS, this.takeReadBuffer),
        size,
        lastHit: mtime,
        recycle: this.recycleReadBuffer,
        file: { fd },
      };
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    if (this.committing.size > 0) await this.committing.get(key);
    // A metadata lookup, made on the event loop like the GET's open (see get).
    try {
      fs.statSync(this.pathOf(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Streams the body into <root>/.tmp/, WRITE_BATCH_BYTES per write (with write-behind, see
   * WRITE_BEHIND_BYTES), then commits it: fdatasync (or the group commit's sync, with `syncfs`),
   * and a link into place. Calls `written` once
   * every byte is written and the key is not stored yet, before the commit: the server answers
   * then. Until the commit ends, a GET, an existence check or a PUT of the key in this process
   * waits for it (see `committing`), so the process reads its own writes. Folders are only made
   * when the open or the link finds them missing: a PUT into existing folders makes no mkdir calls.
   *
   * Why the answer comes before the commit: the last fdatasync waits for the disk (about 1.2 ms for
   * 1 MiB here), and a client uploading one artifact after another waited for it every time. One
   * client's 1 MiB PUTs went from 226-255 to 277-336 MiB/s, nginx's at 376-391 (A/B, 3 rounds).
   * The order that makes a crash safe is unchanged (bytes on disk, then the name): an entry is
   * whole or absent. A commit that fails after `written` rejects, and the server counts the
   * upload as lost (nx_cache_commit_failures_total): a later cache miss.
   *
   * Only the fdatasyncs go to libuv's thread pool, and the writes of an upload once one was slow
   * (SLOW_WRITE_MS). The open, the writes, the close, link and unlink are made on the event loop,
   * as nginx makes them: they copy into the page cache or change metadata in memory (the journal
   * commits it later), where each trip through the pool and back costs two context switches; a
   * 1 MiB PUT made nine trips, now one. In the pool, one write is in flight while the next batch
   * is gathered, so the socket keeps being read while the disk takes the last batch.
   */
  async put(key: string, body: Readable, size: number, written?: () => void): Promise<'stored' | 'exists'> {
    await this.committing.get(key);
    const final = this.pathOf(key);
    const tmpName = `${randomBytes(8).toString('hex')}.${process.pid}@${HOST}.part`;
    const tmp = join(this.root, TMP_DIR, tmpName);
    this.uploading.add(tmpName);
    // Set once the commit owns the file and its temporary name.
    let handedOver = false;
    try {
      let fd: number;
      try {
        fd = await this.create(tmp);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        fs.mkdirSync(dirname(tmp), { recursive: true });
        fd = await this.create(tmp);
      }
      // The write and the write-behind fdatasync in flight, if any, and the first failure of
      // either: that failure is the upload's failure.
      let writing: Promise<void> | undefined;
      let flushing: Promise<void> | undefined;
      let failure: Error | undefined;
      const fail = (error: Error) => {
        failure ??= error;
      };
      try {
        // The request's chunks (64 KiB from the socket) are gathered into one writev of
        // WRITE_BATCH_BYTES: one write per batch instead of one per chunk. The body is iterated
        // directly, not through stream.pipeline: the iterator destroys it on a failure and throws
        // when it ends early, as pipeline does, without the AbortController pipeline makes and
        // aborts for every call (a DOMException with its stack trace: about 0.1 ms per 1 MiB PUT
        // at 16 clients, `node --cpu-prof`).
        await (async (chunks: AsyncIterable<Buffer>) => {
          let received = 0;
          let batch: Buffer[] = [];
          let batched = 0;
          let unflushed = 0;
          let writeOnLoop = true;
          for await (const chunk of chunks) {
            received += chunk.length;
            if (received > size) throw new SizeMismatchError(size, received);
            batch.push(chunk);
            batched += chunk.length;
            if (batched < WRITE_BATCH_BYTES) continue;
            // At most one write in flight: the file's position moves write by write, in order.
            await writing;
            if (failure) throw failure;
            if (unflushed >= WRITE_BEHIND_BYTES && !flushing && backgroundFlushes < MAX_BACKGROUND_FLUSHES) {
              // Every write so far has completed: the flush covers them.
              unflushed = 0;
              backgroundFlushes += 1;
              flushing = datasync(fd)
                .catch(fail)
                .finally(() => {
                  backgroundFlushes -= 1;
                  flushing = undefined;
                });
            }
            if (writeOnLoop) {
              const started = performance.now();
              try {
                writeAllSync(fd, batch, batched);
              } catch (error) {
                fail(error as Error);
              }
              if (performance.now() - started > (this.options.slowWriteMs ?? SLOW_WRITE_MS)) writeOnLoop = false;
            } else writing = writeAll(fd, batch, batched).catch(fail);
            unflushed += batched;
            batch = [];
            batched = 0;
          }
          if (received !== size) throw new SizeMismatchError(size, received);
          await writing;
          if (batched > 0 && !failure) {
            if (writeOnLoop) writeAllSync(fd, batch, batched);
            else await writeAll(fd, batch, batched);
          }
        })(body);
        if (failure) throw failure;
      } catch (error) {
        // Never close the file under a write or a flush that is still running.
        await writing;
        await flushing;
        fs.closeSync(fd);
        throw error;
      }
      // Whole and written. Another upload of the key may have got there first: in this process
      // (still committing), or in another one sharing the folder.
      if (this.committing.has(key) || fs.existsSync(final)) {
        await flushing;
        fs.closeSync(fd);
        return 'exists';
      }
      const commit: Promise<'stored' | 'exists'> = this.commit(fd, flushing, () => failure, tmp, final).finally(
        async () => {
          this.committing.delete(key);
          await this.removeUpload(tmp);
          this.uploading.delete(tmpName);
        },
      );
      // Waiters only wait: the failure is this call's.
      this.committing.set(
        key,
        commit.then(
          () => undefined,
          () => undefined,
        ),
      );
      handedOver = true;
      written?.();
      return await commit;
    } finally {
      if (!handedOver) {
        await this.removeUpload(tmp);
        this.uploading.delete(tmpName);
      }
    }
  }

  /**
   * An upload's commit: the last fdatasync (after any still running in the background), then the
   * link into place. "exists" when another process linked the entry first (EEXIST): same hash,
   * same bytes.
   */
  private async commit(
    fd: number,
    flushing: Promise<void> | undefined,
    failure: () => Error | undefined,
    tmp: string,
    final: string,
  ): Promise<'stored' | 'exists'> {
    try {
      await flushing;
      const failed = failure();
      if (failed) throw failed;
      await (this.groupCommit ? this.groupCommit.flush(() => datasync(fd)) : datasync(fd));
    } finally {
      await flushing;
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, final);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'exists';
      if (code !== 'ENOENT') throw error;
      fs.mkdirSync(dirname(final), { recursive: true });
      try {
        fs.linkSync(tmp, final);
      } catch (again) {
        if ((again as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
        throw again;
      }
    }
    return 'stored';
  }

  /** Waits for every upload answered but still committing (see put): before the process exits. */
  async settle(): Promise<void> {
    await Promise.all(this.committing.values());
  }

  /**
   * Creates an upload's temporary file. On the event loop (a trip through the thread pool costs
   * more than the call), except under group commit: while a syncfs runs, creating or removing a
   * name in <root>/.tmp/ waits for it (the folder's block is being written), 200-240 us on average
   * and up to 11 ms at 16 clients' 1 MiB PUTs, against 20-30 us with fdatasync (`perf trace -s`).
   */
  private create(tmp: string): Promise<number> | number {
    if (!this.groupCommit?.busy) return fs.openSync(tmp, 'wx');
    return new Promise((resolve, reject) => fs.open(tmp, 'wx', (error, fd) => (error ? reject(error) : resolve(fd))));
  }

  /** Removes an upload's temporary name (gone already when the open failed); see `create` for where. */
  private async removeUpload(tmp: string): Promise<void> {
    try {
      if (this.groupCommit?.busy) await unlink(tmp);
      else fs.unlinkSync(tmp);
    } catch {
      // ENOENT: nothing to remove. Anything else is left to the sweep of abandoned uploads.
    }
  }

  async *list(report: (problem: StorageProblem) => void = () => undefined): AsyncIterable<StoredEntry> {
    // A folder that cannot be read (a root-owned lost+found, another user's folder) is reported
    // and skipped: failing the whole listing would stop eviction for good.
    const readFolder = (path: string) =>
      readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') report({ path, error });
        return [];
      });
    // Only <namespace>/<first two hash chars>/<hash>: anything else in the folder is not an entry.
    for (const namespace of await readFolder(this.root)) {
      if (!namespace.isDirectory() || !NAMESPACE_PATTERN.test(namespace.name)) continue;
      for (const shard of await readFolder(join(this.root, namespace.name))) {
        if (!shard.isDirectory()) continue;
        for (const file of await readFolder(join(this.root, namespace.name, shard.name))) {
          if (!HASH_PATTERN.test(file.name) || file.name.slice(0, 2) !== shard.name) continue;
          const info = await stat(join(this.root, namespace.name, shard.name, file.name)).catch(() => null);
          if (info?.isFile()) yield { key: `${namespace.name}/${file.name}`, size: info.size, storedAt: info.mtime };
        }
      }
    }
  }

  async sweepUploads(report: (problem: StorageProblem) => void = () => undefined): Promise<UploadSweep> {
    const folder = join(this.root, TMP_DIR);
    const result: UploadSweep = { abandoned: 0, inProgressBytes: 0 };
    const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') report({ path: folder, error });
      return [];
    });
    for (const name of names) {
      const owner = partOwner(name);
      if (!owner) continue;
      const path = join(folder, name);
      const info = await stat(path).catch(() => null);
      if (!info) continue;
      // On this host, the owner is known: this process's predecessor (same pid, e.g. a restarted
      // container) or a process that has exited. Otherwise only the age tells.
      const abandoned =
        !this.uploading.has(name) &&
        (Date.now() - info.mtime.getTime() > ABANDONED_UPLOAD_AGE_MS ||
          (owner.host === HOST && (owner.pid === process.pid || !isRunning(Number(owner.pid)))));
      if (!abandoned) {
        result.inProgressBytes += info.size;
        continue;
      }
      try {
        await unlink(path);
        result.abandoned += 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') report({ path, error: error as Error });
      }
    }
    return result;
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

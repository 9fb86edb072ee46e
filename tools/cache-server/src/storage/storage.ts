import type { Readable } from 'node:stream';

/** One stored artifact, as eviction sees it. `key` is "<namespace>/<hash>". */
export interface StoredEntry {
  key: string;
  size: number;
  storedAt: Date;
}

/** A path a sweep could not read or delete; the sweep carries on without it. */
export interface StorageProblem {
  path: string;
  error: Error;
}

/** What a sweep of partial uploads found. */
export interface UploadSweep {
  /** Partial uploads no live upload is writing any more (a crash, a dropped connection): deleted. */
  abandoned: number;
  /** Bytes of the uploads still being written: they take room too. */
  inProgressBytes: number;
}

export interface StoredObject {
  body: Readable;
  size: number;
  /** When a hit was last recorded on the entry, for backends that record hits (`touch`). */
  lastHit?: Date;
  /**
   * Gives a chunk of `body` back to the backend once its bytes have left the process (the socket
   * took them), so the backend can read the next artifact into it. Only a consumer that knows the
   * chunk is no longer referenced anywhere calls it; one that keeps chunks simply never does.
   */
  recycle?: (chunk: Buffer) => void;
  /**
   * The open file `body` reads, for backends that keep entries as files: a consumer may send its
   * bytes with sendfile(2) instead of reading `body`, and destroys `body` afterwards all the same
   * (that closes the file).
   */
  file?: { fd: number };
}

/**
 * Where artifacts live. Keys are "<namespace>/<hash>", already validated by the server. Every
 * backend must be safe for several server instances at once: `put` never overwrites (the first
 * writer wins) and a reader never sees a partly written entry.
 */
export interface CacheStorage {
  readonly description: string;
  /**
   * Takes the folder or prefix as the server's own before it serves: marks it when it is empty,
   * accepts it when marked, and otherwise rejects with a ConfigError that says how to fix it, since
   * eviction deletes entries there.
   */
  claim(): Promise<void>;
  get(key: string): Promise<StoredObject | null>;
  exists(key: string): Promise<boolean>;
  /**
   * Stores exactly `size` bytes from `body`. Resolves "exists" when the key is already there, and
   * rejects with SizeMismatchError when the body is shorter or longer than announced. A backend
   * that makes the stored bytes durable in a step of its own after receiving them (the fs
   * backend's fdatasync and link) calls `written` between the two: the server answers then, and
   * counts a later failure as a lost upload (a cache miss).
   */
  put(key: string, body: Readable, size: number, written?: () => void): Promise<'stored' | 'exists'>;
  /**
   * Every entry: only what has the shape the server writes. A folder it cannot read goes to
   * `report`, and the listing carries on.
   */
  list(report?: (problem: StorageProblem) => void): AsyncIterable<StoredEntry>;
  delete(key: string): Promise<void>;
  /**
   * Waits for uploads whose `written` was called and whose commit has not ended. Optional: the
   * server calls it when it stops.
   */
  settle?(): Promise<void>;
  /**
   * Marks a hit, so eviction removes the least recently used entries first. Optional: S3 cannot
   * change an object's date without rewriting it, so there eviction goes by the time stored.
   */
  touch?(key: string, when: Date): Promise<void>;
  /**
   * Deletes abandoned partial uploads (judged by the real clock: whether an upload is alive is not
   * a policy). Only for backends that keep them: an S3 PUT is a single request.
   */
  sweepUploads?(report?: (problem: StorageProblem) => void): Promise<UploadSweep>;
  /**
   * Takes the lease `name` for `holder` until `ttlMs` from now, unless another holder has it and it
   * has not expired. Optional: for stores that several replicas share (S3), so eviction sweeps one
   * replica at a time; without it every server sweeps on its own (deletes are idempotent).
   */
  acquireLease?(name: string, holder: string, ttlMs: number): Promise<LeaseAttempt>;
}

/** What acquireLease found: the lease (release it when done), or who holds it and until when. */
export type LeaseAttempt =
  | { acquired: true; release(): Promise<void> }
  | { acquired: false; holder: string; expiresAt: Date };

export class SizeMismatchError extends Error {
  override name = 'SizeMismatchError';
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`the body had ${received} bytes but Content-Length announced ${expected}`);
  }
}

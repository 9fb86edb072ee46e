/**
 * Group commit: uploads that need their bytes on disk ask for a sync, and every upload that asks
 * while one runs shares the next one: one syncfs(2) of the whole file system. One sync runs at a
 * time, so with 16 or 64 clients uploading 1 MiB artifacts a few dozen syncs a second make
 * hundreds of entries durable. An upload that is the only one waiting flushes its own file
 * (fdatasync) instead: a sync of the file system costs a lone upload more.
 *
 * What it changes is where the work runs. fdatasync(2) writes the file's dirty pages back in the
 * calling thread; syncfs(2) hands them to the kernel's writeback workers and waits (nginx never
 * syncs and leaves its files to those workers). With the server pinned to one core, 1 MiB PUTs at 16
 * and 64 clients took 1.16-1.18 s of its CPU per GiB instead of 1.5 (nginx 1.06-1.10), and went
 * from 0.75x to 0.91x and from 0.74x to 0.90x nginx's throughput (docs/benchmarks.md). The price:
 * a sync also writes back what other processes dirtied on the same file system, so on one shared
 * with heavy writers, per-file fdatasync (`--group-commit off`) keeps the server's commits its own.
 */
export class GroupCommit {
  /** Callers waiting for a sync that has not started yet, each with its own way to be durable alone. */
  private waiting: { alone?: () => Promise<void>; resolve: () => void; reject: (error: Error) => void }[] = [];
  private syncing = false;
  /** Syncs of the file system started so far (not the lone callers' own flushes). */
  syncs = 0;

  /** `sync` makes every write made before it was called durable; it is never called twice at once. */
  constructor(private readonly sync: () => Promise<void>) {}

  /**
   * Whether a sync of the file system is running: meanwhile, creating or removing a file there
   * waits for the disk (see FileSystemStorage's `create`). A lone caller's own flush does not count.
   */
  busy = false;

  /**
   * Resolves once a sync that started after this call has completed, so every write the caller
   * made before calling is durable; rejects with that sync's error. `alone` makes the caller's own
   * writes durable (its file's fdatasync): used instead when the caller is the only one waiting,
   * since a sync of the whole file system costs a lone upload more than its own flush.
   */
  flush(alone?: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ alone, resolve, reject });
      if (!this.syncing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.syncing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      const alone = batch.length === 1 ? batch[0].alone : undefined;
      if (!alone) this.syncs += 1;
      try {
        this.busy = !alone;
        await (alone ? alone() : this.sync());
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error as Error);
      }
    }
    this.busy = false;
    this.syncing = false;
  }
}

import { GroupCommit } from './group-commit';

/** A sync the test finishes by hand: each call waits for `finish(i)` or `fail(i)`. */
function manualSync() {
  const calls: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let running = 0;
  let most = 0;
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      running += 1;
      most = Math.max(most, running);
      const done = () => (running -= 1);
      calls.push({
        resolve: () => (done(), resolve()),
        reject: (error) => (done(), reject(error)),
      });
    });
  return { sync, calls, most: () => most };
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('starts a sync at the first flush, and gives every flush made during it one next sync, after it', async () => {
    const { sync, calls, most } = manualSync();
    const group = new GroupCommit(sync);
    const order: string[] = [];
    const first = group.flush().then(() => order.push('first'));
    await settle();
    expect(calls).toHaveLength(1);
    // Made while the first sync runs: their writes may have missed it.
    const later = [1, 2, 3].map((i) => group.flush().then(() => order.push(`later ${i}`)));
    await settle();
    expect(calls).toHaveLength(1);
    calls[0].resolve();
    await first;
    await settle();
    expect(order).toEqual(['first']);
    expect(calls).toHaveLength(2);
    calls[1].resolve();
    await Promise.all(later);
    expect(order).toEqual(['first', 'later 1', 'later 2', 'later 3']);
    expect(group.syncs).toBe(2);
    expect(most()).toBe(1);
  });

  it('rejects exactly the flushes of a sync that failed, and syncs on for the next ones', async () => {
    const { sync, calls } = manualSync();
    const group = new GroupCommit(sync);
    const failed = group.flush();
    await settle();
    const next = group.flush();
    calls[0].reject(Object.assign(new Error('EIO: i/o error, syncfs'), { code: 'EIO' }));
    await expect(failed).rejects.toThrow('EIO');
    await settle();
    calls[1].resolve();
    await expect(next).resolves.toBeUndefined();
  });

  it('rejects the flushes of a sync that throws before it starts', async () => {
    const group = new GroupCommit(() => {
      throw new Error('EMFILE: too many open files, open');
    });
    await expect(group.flush()).rejects.toThrow('EMFILE');
    await expect(group.flush()).rejects.toThrow('EMFILE');
  });

  it('makes no sync when nobody asked, and a new one for a flush after the last one ended', async () => {
    const { sync, calls } = manualSync();
    const group = new GroupCommit(sync);
    await settle();
    expect(calls).toHaveLength(0);
    const first = group.flush();
    await settle();
    calls[0].resolve();
    await first;
    const second = group.flush();
    await settle();
    expect(calls).toHaveLength(2);
    calls[1].resolve();
    await second;
  });

  it('makes a lone caller durable by its own flush, and says it is busy only while a sync of the file system runs', async () => {
    const { sync, calls } = manualSync();
    const group = new GroupCommit(sync);
    let ownFlush!: () => void;
    const alone = jest.fn(() => new Promise<void>((resolve) => (ownFlush = resolve)));
    const lone = group.flush(alone);
    await settle();
    expect({ alone: alone.mock.calls.length, syncs: calls.length, busy: group.busy }).toEqual({
      alone: 1,
      syncs: 0,
      busy: false,
    });
    // Two that arrive meanwhile share a sync of the file system, their own flushes unused.
    const theirs = jest.fn(() => Promise.resolve());
    const pair = [group.flush(theirs), group.flush(theirs)];
    ownFlush();
    await lone;
    await settle();
    expect({ syncs: calls.length, busy: group.busy }).toEqual({ syncs: 1, busy: true });
    calls[0].resolve();
    await Promise.all(pair);
    expect({ theirs: theirs.mock.calls.length, busy: group.busy, counted: group.syncs }).toEqual({
      theirs: 0,
      busy: false,
      counted: 1,
    });
  });
});

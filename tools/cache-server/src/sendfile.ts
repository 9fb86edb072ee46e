import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/** One transfer's hold on a socket (native/sendfile.c): opaque here. */
export type SendfileHandle = { readonly __sendfileHandle: unique symbol };

/**
 * native/sendfile.c: sendfile(2) with the socket's own poll, and syncfs(2) for the PUTs' group
 * commit. Its comment has the contract.
 */
export interface SendfileAddon {
  cork(socketFd: number, on: boolean): void;
  open(socketFd: number): SendfileHandle;
  send(socket: number | SendfileHandle, fileFd: number, offset: number, length: number): number;
  sendAsync(
    handle: SendfileHandle,
    fileFd: number,
    offset: number,
    length: number,
    callback: (error: Error | null, sent: number) => void,
  ): void;
  wait(handle: SendfileHandle, callback: (error: Error | null) => void): void;
  close(handle: SendfileHandle): void;
  /** syncfs(2) of the file system holding fd, in the thread pool (the PUTs' group commit). */
  syncfs(fd: number, callback: (error: Error | null) => void): void;
}

/**
 * Where tools/cache-server/scripts/build-native.mjs puts the addon. It uses libuv's poll, whose
 * layout is Node's own: the name carries Node's ABI version, so another Node finds none to load
 * (and says to rebuild) instead of loading a wrong one.
 */
export const SENDFILE_ADDON_PATH = join(
  __dirname,
  '..',
  'native',
  'build',
  `sendfile-${process.platform}-${process.arch}-node${process.versions.modules}.node`,
);

export const BUILD_COMMAND = 'node tools/cache-server/scripts/build-native.mjs';

/** The addon, or why there is none (with the fix). */
export function loadSendfile(path = SENDFILE_ADDON_PATH): { addon: SendfileAddon } | { problem: string } {
  if (process.platform !== 'linux')
    return { problem: `sendfile is built for Linux only (this is ${process.platform})` };
  if (!existsSync(path))
    return {
      problem: `the native addon is not built for this Node (${path}): run \`${BUILD_COMMAND}\` (npm run setup does)`,
    };
  try {
    // What require does for a .node file, without a require of a computed path.
    const module = { exports: {} as SendfileAddon };
    process.dlopen(module, path);
    return { addon: module.exports };
  } catch (error) {
    return {
      problem: `the native addon ${path} does not load (${(error as Error).message}): run \`${BUILD_COMMAND}\``,
    };
  }
}

/**
 * The largest entry sent by sendfile; larger ones stream through user space. Measured on loopback
 * (bench/cache-server.sh, docs/benchmarks.md): a small GET's time is mostly the server's work per
 * request, which sendfile cuts, while a large one is bound by the client's receiving, and there the
 * stream path kept up with sendfile at 4 MiB and beat it from 16 MiB.
 */
export const SENDFILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A sendfile call from the page cache moves a socket's room (up to a few MiB) in well under a
 * millisecond; one that took longer than this read from the disk, and the rest of that file is sent
 * from the thread pool (see sendFile).
 */
export const SLOW_SENDFILE_MS = 2;

/**
 * The most one sendfile call on the event loop is asked for: short enough that its time tells the
 * page cache (a fraction of a millisecond) from the disk (see SLOW_SENDFILE_MS), and that one large
 * entry does not hold the loop while a socket with a large buffer takes several MiB.
 */
export const SENDFILE_CALL_BYTES = 1024 * 1024;

/** The descriptor of a plain TCP socket under `res`; none for TLS (its bytes are encrypted in the process). */
export function socketFd(res: ServerResponse): number | undefined {
  const socket = res.socket as unknown as { encrypted?: boolean; _handle?: { fd?: unknown } } | null;
  if (!socket || socket.encrypted) return undefined;
  const fd = socket._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** The 'drain' of an empty write: called once every byte written to the socket before it is in the kernel. */
const EMPTY = Buffer.alloc(0);

/**
 * Sends the response's head (set by writeHead) and bytes [0, size) of the open file `fileFd` with
 * sendfile, then ends the response; resolves once the last byte is in the socket. The caller closes
 * the file after it settles, never before: until then the kernel may be reading it.
 *
 * Each sendfile call runs on the event loop and takes what the socket has room for, until one
 * takes longer than `slowMs` (its pages came from the disk, not the page cache); the rest of the
 * file is then sent from the thread pool, like FileBody's reads. A small entry usually goes in one
 * call on the socket's own descriptor; a transfer that has to wait for room in the socket, or goes
 * to the pool, takes a handle of its own (see native/sendfile.c). A client that hangs up, or a
 * failing call, destroys the response and rejects.
 */
export function sendFile(
  res: ServerResponse,
  socket: number,
  fileFd: number,
  size: number,
  addon: SendfileAddon,
  slowMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let handle: SendfileHandle | undefined;
    let offset = 0;
    let onLoop = true;
    /** A sendAsync is in the thread pool: the transfer ends when it calls back, never under it. */
    let busy = false;
    let aborted: Error | undefined;
    let settled = false;
    /** The socket is still open, so `socket` is still its number (not one the kernel gave to another file). */
    const open = () => !res.destroyed && socketFd(res) === socket;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      res.off('close', onClose);
      try {
        if (handle) addon.close(handle);
        else if (open()) addon.cork(socket, false);
      } catch (uncorkError) {
        error ??= uncorkError as Error;
      }
      if (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENODATA')
          error = new Error(`the entry's file ended after ${offset} of its ${size} bytes`, { cause: error });
        res.destroy();
        reject(error);
      } else {
        res.end();
        resolve();
      }
    };
    const onClose = () => {
      const error = new Error('the client closed the connection before the whole artifact was sent');
      if (busy) aborted = error;
      else finish(error);
    };
    const advance = (sent: number) => {
      offset += sent;
      if (offset === size) {
        finish();
        return;
      }
      handle ??= addon.open(socket);
      addon.wait(handle, (error) => (error ? finish(error) : step()));
    };
    const step = () => {
      if (settled) return;
      try {
        if (!onLoop) {
          handle ??= addon.open(socket);
          busy = true;
          addon.sendAsync(handle, fileFd, offset, size - offset, (error, sent) => {
            busy = false;
            if (aborted || error) finish(aborted ?? error ?? undefined);
            else advance(sent);
          });
          return;
        }
        // Between calls the socket may have been destroyed before its 'close' event: its number is free.
        if (!handle && !open()) throw new Error('the connection closed before the whole artifact was sent');
        const started = performance.now();
        const sent = addon.send(handle ?? socket, fileFd, offset, Math.min(SENDFILE_CALL_BYTES, size - offset));
        if (performance.now() - started > slowMs) onLoop = false;
        // A whole call's worth taken: the socket may have room for more at once.
        if (sent === SENDFILE_CALL_BYTES && offset + sent < size) {
          offset += sent;
          setImmediate(step);
        } else advance(sent);
      } catch (error) {
        busy = false;
        finish(error as Error);
      }
    };
    res.on('close', onClose);
    try {
      // The head goes through the socket's own write, corked, so it leaves with the first pages.
      addon.cork(socket, true);
    } catch (error) {
      finish(error as Error);
      return;
    }
    res.flushHeaders();
    // The file's bytes follow the head, never overtake it.
    if (res.socket && res.socket.writableLength > 0)
      res.socket.write(EMPTY, (error) => (error ? finish(error) : step()));
    else step();
  });
}

import { mkdirSync } from 'node:fs';
import { captureOk, freePort, startProcess, waitFor } from '@customercare/nx-core';

const SETUP_FIX = 'Run `npm run setup` (tools/scripts/setup.d/65-registry.sh builds crane).';

/** A plain-HTTP OCI registry on loopback (crane registry serve), for the push tests and the local rehearsal. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`: the registry part of an image reference (push with TLS verification off). */
  address: string;
  /** Stops it and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `crane registry serve` on 127.0.0.1 at a free port and waits until its API answers.
 * Manifests live in its memory (gone when it stops); blobs too, unless `disk` names a folder.
 */
export async function startLocalRegistry(options: { disk?: string; timeoutMs?: number } = {}): Promise<LocalRegistry> {
  // crane writes blobs into the folder but does not create it.
  if (options.disk) mkdirSync(options.disk, { recursive: true });
  const address = `127.0.0.1:${await freePort()}`;
  const args = ['registry', 'serve', '--address', address, ...(options.disk ? ['--disk', options.disk] : [])];
  // Its own process group, stopped with this process if the caller never calls stop().
  const crane = await startProcess(
    { label: 'crane registry serve', command: 'crane', args, cwd: '' },
    { fix: SETUP_FIX, output: 'capture' },
  );
  const stop = async () => {
    await crane.stop('SIGTERM', 5_000);
  };
  try {
    await waitFor(
      `crane registry serve did not answer on http://${address}/v2/`,
      options.timeoutMs ?? 15_000,
      async () => {
        if (crane.result()) throw new Error('exited');
        return (await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2_000) })).ok;
      },
    );
  } catch (error) {
    const exited = crane.result() !== undefined;
    await stop();
    throw new Error(
      `${(error as Error).message}${exited ? ' (it exited)' : ''}: ${crane.tail(5).trim() || 'no output'}. ${SETUP_FIX}`,
    );
  }
  return { address, stop };
}

/** The digest a registry serves for a reference, asked with `crane digest` (never computed locally). */
export async function registryDigest(ref: string, options: { insecure: boolean; cwd: string }): Promise<string> {
  const out = await captureOk(
    {
      label: 'crane digest',
      command: 'crane',
      args: ['digest', ...(options.insecure ? ['--insecure'] : []), ref],
      cwd: options.cwd,
    },
    SETUP_FIX,
  );
  return out.trim();
}

import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dockerLikeEngine } from './engine';

/**
 * Rootless podman networks through slirp4netns, which needs /dev/net/tun; where a non-root user
 * cannot open it (containers, some CI sandboxes), containers share the host's network instead:
 * setup.d/60-podman.sh then writes `netns = "host"` into the workspace's containers.conf (builds),
 * and the image test and the local deploy provider run containers with --network=host and $PORT.
 */
export function needsHostNetwork(
  uid = process.getuid?.() ?? 0,
  tun = '/dev/net/tun',
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  // An explicit choice wins: CONTAINER_NETWORK=host or CONTAINER_NETWORK=publish.
  if (env['CONTAINER_NETWORK'] === 'host' || env['CONTAINER_NETWORK'] === 'publish')
    return env['CONTAINER_NETWORK'] === 'host';
  if (uid === 0) return false;
  try {
    accessSync(tun, constants.R_OK | constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

/** podman: daemonless, rootful or rootless; reads the workspace's containers.conf and storage.conf (see podmanEnv). */
export const podman = dockerLikeEngine('podman');

/** Where tools/scripts/setup.d/60-podman.sh writes the workspace's podman configuration. */
export const PODMAN_CONFIG_DIR = '.cache/containers';

/**
 * The environment that points podman at the workspace's configuration (runc, cgroupfs, ulimits)
 * and at image storage under the workspace's cache. Variables already set win, so a machine
 * with its own podman setup can keep it.
 */
export function podmanEnv(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const dir = join(workspaceRoot, PODMAN_CONFIG_DIR);
  const result: Record<string, string> = {};
  const containersConf = join(dir, 'containers.conf');
  const storageConf = join(dir, 'storage.conf');
  if (!env['CONTAINERS_CONF'] && existsSync(containersConf)) result['CONTAINERS_CONF'] = containersConf;
  if (!env['CONTAINERS_STORAGE_CONF'] && existsSync(storageConf)) result['CONTAINERS_STORAGE_CONF'] = storageConf;
  return result;
}

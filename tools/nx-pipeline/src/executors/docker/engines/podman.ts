import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dockerLikeEngine } from './engine';

/** podman: daemonless, rootful here; reads the workspace's containers.conf and storage.conf (see podmanEnv). */
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

import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { capture, executableOf, formatCommand, runTool, type ToolCommand } from '@customercare/nx-core';
import { docker } from '../docker/engines/docker';
import type { ContainerEngine } from '../docker/engines/engine';
import { podman, podmanEnv } from '../docker/engines/podman';
import {
  archiveKeyring,
  asRoot,
  baseImageTags,
  debianMirrorFromSources,
  debootstrapCommand,
  IMPORT_CHANGES,
  mkdirCommand,
  removeCommand,
  ROOTFS_PRUNE,
  tarRootfsCommand,
  type BaseDefinition,
} from './commands';
import { DEFAULT_DEFINITIONS, readBaseDefinitions } from './definitions';
import type { BaseImageExecutorSchema } from './schema';

const SETUP_FIX = 'Run `npm run setup` (tools/scripts/setup.d/60-podman.sh installs podman, runc and debootstrap).';
const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

export default async function baseImageExecutor(
  options: BaseImageExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const suite = options.suite ?? 'bookworm';
  const engine: ContainerEngine = options.engine === 'docker' ? docker : podman;
  if (engine.name === 'podman') Object.assign(process.env, podmanEnv(context.root));
  const definitions = readBaseDefinitions(
    context.root,
    options.definitions ?? DEFAULT_DEFINITIONS,
    suite,
    options.variant ?? 'minbase',
  ).filter((definition) => !options.only || options.only.includes(definition.name));
  if (definitions.length === 0) {
    logger.error(
      `base-image: nothing to build (no .packages file${options.only ? ` named ${options.only.join(', ')}` : ''}).`,
    );
    return { success: false };
  }
  for (const definition of definitions) {
    await ensureBase(definition, engine, options, context.root);
  }
  return { success: true };
}

/** Builds one base unless its keyed image exists already: the package list is the key. */
export async function ensureBase(
  definition: BaseDefinition,
  engine: ContainerEngine,
  options: BaseImageExecutorSchema,
  root: string,
): Promise<string> {
  const { keyed, stable } = baseImageTags(definition);
  const exists = (await capture(engine.imageExists(keyed, root), SETUP_FIX)).exitCode === 0;
  if (exists && !options.force) {
    logger.info(`base-image ${definition.name}: ${keyed} is up to date (package list unchanged).`);
    await runChecked(engine.tag(keyed, stable, root));
    return keyed;
  }
  const mirror = options.mirror ?? debianMirrorFromSources(readAptSources(), definition.suite) ?? FALLBACK_MIRROR;
  const keyring = archiveKeyring(definition.suite, options.keyring, existsSync);
  const cacheDir = join(root, options.cacheDir ?? '.cache/debootstrap');
  mkdirSync(cacheDir, { recursive: true });
  // Under the workspace (not /tmp, often a small tmpfs): a rootfs is a few hundred megabytes.
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const work = mkdtempSync(join(root, 'tmp', `base-${definition.name}-`));
  const rootfs = join(work, 'rootfs');
  // debootstrap refuses to run as anyone but root; a non-root user (a GitHub runner) runs it, and
  // the tar and clean-up of the root-owned tree it makes, through passwordless sudo.
  const uid = process.getuid?.() ?? 0;
  const sudo = uid === 0 ? '' : await requirePasswordlessSudo();
  const privileged = (command: ToolCommand) => asRoot(command, uid, sudo, executableOf(command.command));
  const tarball = join(work, 'rootfs.tar');
  try {
    const started = Date.now();
    logger.info(
      `base-image ${definition.name}: debootstrap ${definition.suite} (${definition.variant}) from ${mirror} with ${definition.packages.join(' ')}`,
    );
    await runChecked(
      privileged(debootstrapCommand(definition, rootfs, mirror, cacheDir, root, keyring)),
      `debootstrap could not build the ${definition.name} base. Check that ${mirror} is reachable (it is the mirror apt uses) and that every package in the list exists in ${definition.suite}.`,
    );
    await runChecked(
      privileged(
        removeCommand(
          ROOTFS_PRUNE.map((path) => join(rootfs, path)),
          root,
        ),
      ),
    );
    await runChecked(
      privileged(mkdirCommand([join(rootfs, 'var/log'), join(rootfs, 'var/lib/apt/lists/partial')], root)),
    );
    await runChecked(privileged(tarRootfsCommand(rootfs, tarball, root)));
    await runChecked(engine.importRootfs(tarball, keyed, IMPORT_CHANGES, root));
    await runChecked(engine.tag(keyed, stable, root));
    logger.info(`base-image ${definition.name}: built ${keyed} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return keyed;
  } finally {
    // The rootfs is root's: a non-root user removes it through sudo as well.
    if (uid === 0) rmSync(work, { recursive: true, force: true });
    else await runTool(privileged(removeCommand([work], root)), SETUP_FIX);
  }
}

/** sudo's path when it runs without a password for this user; otherwise an error that says what to do. */
async function requirePasswordlessSudo(): Promise<string> {
  const sudo = executableOf('sudo');
  const check = await capture({ label: 'sudo -n true', command: sudo, args: ['-n', 'true'], cwd: '' }, 'Install sudo.');
  if (check.exitCode !== 0) {
    throw new Error(
      "base-image: debootstrap builds a root filesystem and only runs as root. Run this target as root, or give this user passwordless sudo (GitHub's hosted runners have it): sudo -n true must succeed.",
    );
  }
  return sudo;
}

function readAptSources(): string[] {
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    files.push(
      ...readdirSync('/etc/apt/sources.list.d')
        .sort()
        .map((file) => join('/etc/apt/sources.list.d', file)),
    );
  }
  return files.filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
}

async function runChecked(command: Parameters<typeof runTool>[0], why?: string): Promise<void> {
  const { exitCode } = await runTool(command, SETUP_FIX);
  if (exitCode !== 0) {
    throw new Error(`${command.label} failed (exit ${exitCode}): ${formatCommand(command)}${why ? `\n${why}` : ''}`);
  }
}

import { createHash } from 'node:crypto';
import type { ToolCommand } from '@customercare/nx-core';

/** One base image: a Debian suite debootstrapped with a package list, imported as a local image. */
export interface BaseDefinition {
  /** From the file name: tools/base-images/python.packages -> "python". */
  name: string;
  suite: string;
  variant: string;
  packages: string[];
}

export const BASE_IMAGE_REPOSITORY = 'localhost/customercare/base';

/** Reads a `.packages` file: one Debian package per line, `#` comments and blank lines ignored. */
export function parsePackageList(text: string, file: string): string[] {
  const packages = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
  for (const name of packages) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) {
      throw new Error(
        `${file}: "${name}" is not a Debian package name (one package per line, lower case, no versions).`,
      );
    }
  }
  if (packages.length === 0) throw new Error(`${file} lists no packages: add one Debian package name per line.`);
  return [...new Set(packages)].sort();
}

/** The key a base is built once for: its suite, variant and package list (not the mirror, which serves the same packages). */
export function baseKey(definition: BaseDefinition): string {
  return createHash('sha256')
    .update(JSON.stringify([definition.suite, definition.variant, definition.packages]))
    .digest('hex')
    .slice(0, 12);
}

/**
 * `localhost/customercare/base-python:bookworm-<key>`: a Containerfile names the stable
 * `:bookworm` tag as its default, and the docker target passes the keyed tag as a build argument,
 * so a changed package list is a changed input of every image built on it.
 */
export function baseImageTags(definition: BaseDefinition): { keyed: string; stable: string } {
  const repository = `${BASE_IMAGE_REPOSITORY}-${definition.name}`;
  return {
    keyed: `${repository}:${definition.suite}-${baseKey(definition)}`,
    stable: `${repository}:${definition.suite}`,
  };
}

/**
 * The Debian mirror apt uses on this machine, from deb822 (`URIs:`) or one-line (`deb URL suite`)
 * sources, so debootstrap fetches from the same place (and through the same proxy) apt does.
 */
export function debianMirrorFromSources(sources: string[], suite: string): string | null {
  for (const text of sources) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uris && suites.includes(suite) && /^Types:(?:.*\s)?deb(?:\s|$)/m.test(stanza)) return uris.replace(/\/$/, '');
    }
    for (const line of text.split('\n')) {
      const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (match && match[2] === suite) return match[1].replace(/\/$/, '');
    }
  }
  return null;
}

/** Debian's archive keyring (package debian-archive-keyring): the keys that sign every Debian suite's Release file. */
export const DEBIAN_ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * The keyring debootstrap checks the archive's signature with: the target's `keyring` option, else
 * Debian's archive keyring. Missing, it is an error with the fix: a base image is never built from
 * an unverified mirror (debootstrap's --no-check-gpg), since whatever answers there would then be
 * in every image built on it.
 */
export function archiveKeyring(suite: string, keyring: string | undefined, exists: (path: string) => boolean): string {
  const path = keyring ?? DEBIAN_ARCHIVE_KEYRING;
  if (exists(path)) return path;
  throw new Error(
    keyring
      ? `base-image: the keyring ${keyring} (the target's \`keyring\` option) does not exist, so debootstrap could not check the signature of the ${suite} archive. Point \`keyring\` at the keyring that signs it, or remove the option to use ${DEBIAN_ARCHIVE_KEYRING}.`
      : `base-image: ${DEBIAN_ARCHIVE_KEYRING} is missing, so debootstrap could not check the signature of the ${suite} archive, and a base image is never built unverified. Run \`npm run setup\` (tools/scripts/setup.d/60-podman.sh installs debian-archive-keyring), or set \`keyring\` in the target options to the keyring that signs ${suite}.`,
  );
}

/** debootstrap of one base: `keyring` is checked first (archiveKeyring), so every Release file's signature is verified. */
export function debootstrapCommand(
  definition: BaseDefinition,
  rootfs: string,
  mirror: string,
  cacheDir: string,
  cwd: string,
  keyring: string,
): ToolCommand {
  return {
    label: 'debootstrap',
    command: 'debootstrap',
    args: [
      `--keyring=${keyring}`,
      `--variant=${definition.variant}`,
      `--include=${definition.packages.join(',')}`,
      `--cache-dir=${cacheDir}`,
      definition.suite,
      rootfs,
      mirror,
    ],
    cwd,
  };
}

/** Paths removed from the rootfs before import: package caches and docs nothing at run time reads. */
export const ROOTFS_PRUNE = [
  'var/cache/apt/archives',
  'var/cache/apt/pkgcache.bin',
  'var/cache/apt/srcpkgcache.bin',
  'var/lib/apt/lists',
  'var/log',
  'usr/share/doc',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
];

/** A reproducible tarball of the rootfs: numeric owners, sorted names, clamped mtimes. */
export function tarRootfsCommand(rootfs: string, tarball: string, cwd: string): ToolCommand {
  return {
    label: 'tar',
    command: 'tar',
    args: [
      '--create',
      '--file',
      tarball,
      '--directory',
      rootfs,
      '--numeric-owner',
      '--sort=name',
      '--mtime=@0',
      '--clamp-mtime',
      '.',
    ],
    cwd,
  };
}

/**
 * A command that must run as root (debootstrap, and the tar and clean-up of the root-owned tree it
 * makes), for the user running the target: as it is for root, else through passwordless sudo
 * (`sudo -n`, which fails at once rather than ask for a password). Pure: both paths are given.
 */
export function asRoot(command: ToolCommand, uid: number, sudo: string, executable: string): ToolCommand {
  return uid === 0
    ? command
    : { ...command, label: `sudo ${command.label}`, command: sudo, args: ['-n', executable, ...command.args] };
}

/** rm -rf of paths inside a root-owned rootfs (the prune, and the clean-up of the work folder). */
export function removeCommand(paths: string[], cwd: string): ToolCommand {
  return { label: 'rm', command: 'rm', args: ['-rf', '--', ...paths], cwd };
}

/** mkdir -p inside a root-owned rootfs. */
export function mkdirCommand(paths: string[], cwd: string): ToolCommand {
  return { label: 'mkdir', command: 'mkdir', args: ['-p', '--', ...paths], cwd };
}

/** Image config for the imported base: a shell as default command, a PATH, and a UTF-8 locale. */
export const IMPORT_CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV LANG=C.UTF-8',
  'CMD ["/bin/bash"]',
];

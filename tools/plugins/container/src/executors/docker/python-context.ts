import { lutimesSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolCommand } from '@customercare/nx-core';

/** The interpreter a Python image runs, as uv's cross-install flags need it. */
export interface PythonTarget {
  version: string;
  /** e.g. x86_64-manylinux_2_36 */
  platform: string;
}

/** Printed by the base image's own python3, so the wheels match the interpreter they will run on. */
export const PYTHON_TARGET_PROBE =
  'import platform, sys; libc = platform.libc_ver(); print(platform.python_version(), platform.machine(), libc[0], libc[1])';

export function parsePythonTarget(stdout: string): PythonTarget {
  const [version, machine, libc, libcVersion] = stdout.trim().split(/\s+/);
  if (!version || !/^\d+\.\d+\.\d+/.test(version) || !machine) {
    throw new Error(`Unexpected answer from the base image's python3: ${JSON.stringify(stdout.trim())}`);
  }
  if (libc !== 'glibc' || !libcVersion) {
    throw new Error(
      `The base image's python3 is not linked against glibc (${libc || 'unknown libc'}); the Python context supports glibc (manylinux) bases only.`,
    );
  }
  return { version, platform: `${machine}-manylinux_${libcVersion.replace('.', '_')}` };
}

/** The project's locked runtime dependencies, without the workspace's own packages and without dev groups. */
export function uvExportCommand(uv: string, distName: string, output: string, cwd: string): ToolCommand {
  return {
    label: 'uv export',
    command: uv,
    args: [
      'export',
      '--package',
      distName,
      '--frozen',
      '--no-dev',
      '--no-editable',
      '--no-header',
      '--no-emit-workspace',
      '--quiet',
      '--output-file',
      output,
    ],
    cwd,
  };
}

/** The workspace packages (this project and the libraries it uses) as `./path` lines, in the same resolution. */
export function uvExportWorkspaceCommand(uv: string, distName: string, cwd: string): ToolCommand {
  return {
    label: 'uv export',
    command: uv,
    args: [
      'export',
      '--package',
      distName,
      '--frozen',
      '--no-dev',
      '--no-editable',
      '--no-header',
      '--no-hashes',
      '--quiet',
    ],
    cwd,
  };
}

export function parseWorkspacePackages(exported: string): string[] {
  return exported
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('./'));
}

/**
 * Installs into a plain folder for the base's interpreter and platform (uv evaluates markers such
 * as `python_full_version < '3.11.3'` for that interpreter, not this machine's). The third-party
 * set is hash-checked against uv.lock; workspace packages are built from source without deps.
 */
export function uvInstallCommands(
  uv: string,
  target: PythonTarget,
  requirements: string,
  workspacePackages: string[],
  sitePackages: string,
  cwd: string,
): ToolCommand[] {
  const common = [
    'pip',
    'install',
    '--quiet',
    '--target',
    sitePackages,
    '--python-version',
    target.version,
    '--python-platform',
    target.platform,
    '--no-deps',
  ];
  return [
    {
      label: 'uv pip install',
      command: uv,
      args: [...common, '--require-hashes', '--requirements', requirements],
      cwd,
    },
    ...(workspacePackages.length > 0
      ? [{ label: 'uv pip install', command: uv, args: [...common, ...workspacePackages], cwd }]
      : []),
  ];
}

export const SITE_PACKAGES = 'site-packages';
export const contextPaths = (contextDir: string) => ({
  requirements: join(contextDir, 'requirements.txt'),
  sitePackages: join(contextDir, SITE_PACKAGES),
});

/** 1980-01-01, the earliest time a zip (wheel) entry can hold. */
export const STAGED_MTIME = 315532800;

/**
 * Gives every staged file one fixed mtime. The engine's layer cache keys a COPY on file metadata
 * too, and the workspace packages are rebuilt on every run: without this an unchanged context would
 * still miss the cache and redo the byte-compiling stage.
 */
export function normalizeMtimes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) normalizeMtimes(path);
    lutimesSync(path, STAGED_MTIME, STAGED_MTIME);
  }
  lutimesSync(dir, STAGED_MTIME, STAGED_MTIME);
}

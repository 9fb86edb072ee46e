import type { ToolCommand } from '@customercare/nx-core';

export type EngineName = 'podman' | 'docker';

/** What `<engine> image inspect` tells about one image, in the fields this plugin reads. */
export interface ImageFacts {
  id: string;
  /** The manifest digest, when the engine knows one (after a push or pull); null for a local build. */
  digest: string | null;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  user: string;
  labels: Record<string, string>;
}

/** How to publish a container port on loopback and run an image for a test. */
export interface RunSpec {
  image: string;
  name: string;
  hostPort: number;
  containerPort: number;
  env: Record<string, string>;
  /**
   * Share the host's network instead of publishing a port: rootless podman where slirp4netns
   * cannot open /dev/net/tun. The image then listens on hostPort itself, told by $PORT.
   */
  hostNetwork?: boolean;
}

/**
 * One container engine, as pure argv builders: nothing here runs anything or holds state, so each
 * command is unit-tested as data and the executor passes every call what it needs.
 */
export interface ContainerEngine {
  name: EngineName;
  /** The engine name @nx-tools/nx-container expects (`docker` builds through buildx there). */
  nxContainerEngine: 'podman' | 'docker';
  version(cwd: string): ToolCommand;
  /** Exit code 0 when the image exists locally. */
  imageExists(image: string, cwd: string): ToolCommand;
  inspectImage(image: string, cwd: string): ToolCommand;
  parseInspect(stdout: string): ImageFacts;
  importRootfs(tarball: string, tag: string, changes: string[], cwd: string): ToolCommand;
  /** Runs one command in a throw-away container without network (probing a base image). */
  runOnce(image: string, command: string[], cwd: string): ToolCommand;
  tag(image: string, target: string, cwd: string): ToolCommand;
  removeImage(image: string, cwd: string): ToolCommand;
  run(spec: RunSpec, cwd: string): ToolCommand;
  exec(container: string, command: string[], cwd: string): ToolCommand;
  /** Runs the image's HEALTHCHECK once (exit 0 healthy, 1 unhealthy); null where the daemon runs it itself. */
  healthcheck: ((container: string, cwd: string) => ToolCommand) | null;
  stop(container: string, timeoutSeconds: number, cwd: string): ToolCommand;
  /** Exit code of a stopped container. */
  exitCode(container: string, cwd: string): ToolCommand;
  logs(container: string, cwd: string): ToolCommand;
  remove(container: string, cwd: string): ToolCommand;
  create(image: string, name: string, cwd: string): ToolCommand;
  exportFs(container: string, tarball: string, cwd: string): ToolCommand;
  /** podman as root mounts an image's filesystem in place (no export); null where the engine cannot. */
  mountImage: ((image: string, cwd: string) => ToolCommand) | null;
  unmountImage: ((image: string, cwd: string) => ToolCommand) | null;
  push(ref: string, digestFile: string, tlsVerify: boolean, cwd: string): ToolCommand;
  pull(ref: string, tlsVerify: boolean, cwd: string): ToolCommand;
}

/** Docker and podman print the same `image inspect` JSON shape for the fields read here. */
export function parseImageInspect(stdout: string): ImageFacts {
  const parsed = JSON.parse(stdout) as unknown;
  const entry = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
  if (!entry || typeof entry['Id'] !== 'string') {
    throw new Error(`Unexpected \`image inspect\` output (no Id): ${stdout.slice(0, 200)}`);
  }
  const config = (entry['Config'] ?? {}) as Record<string, unknown>;
  const repoDigests = (entry['RepoDigests'] as string[] | null) ?? [];
  const id = entry['Id'];
  return {
    id: id.startsWith('sha256:') ? id : `sha256:${id}`,
    digest: typeof entry['Digest'] === 'string' && entry['Digest'] !== '' ? entry['Digest'] : null,
    repoTags: (entry['RepoTags'] as string[] | null) ?? [],
    repoDigests,
    sizeBytes: Number(entry['Size'] ?? 0),
    user: typeof config['User'] === 'string' ? config['User'] : '',
    labels: (config['Labels'] as Record<string, string> | null) ?? {},
  };
}

/** The same options on both CLIs; only the binary and a few flags differ. */
export function dockerLikeEngine(name: EngineName): ContainerEngine {
  const cmd = (label: string, args: string[], cwd: string): ToolCommand => ({
    label: `${name} ${label}`,
    command: name,
    args,
    cwd,
  });
  const tls = (verify: boolean) => (name === 'podman' ? [`--tls-verify=${verify}`] : []);
  return {
    name,
    nxContainerEngine: name,
    version: (cwd) => cmd('version', ['version', '--format', '{{.Client.Version}}'], cwd),
    imageExists: (image, cwd) =>
      name === 'podman'
        ? cmd('image exists', ['image', 'exists', image], cwd)
        : cmd('image inspect', ['image', 'inspect', '--format', '{{.Id}}', image], cwd),
    inspectImage: (image, cwd) => cmd('image inspect', ['image', 'inspect', image], cwd),
    parseInspect: parseImageInspect,
    importRootfs: (tarball, tag, changes, cwd) =>
      cmd('import', ['import', ...changes.flatMap((change) => ['--change', change]), tarball, tag], cwd),
    runOnce: (image, command, cwd) =>
      cmd('run', ['run', '--rm', '--network=none', '--entrypoint', command[0], image, ...command.slice(1)], cwd),
    tag: (image, target, cwd) => cmd('tag', ['tag', image, target], cwd),
    removeImage: (image, cwd) => cmd('rmi', ['rmi', image], cwd),
    run: (spec, cwd) =>
      cmd(
        'run',
        [
          'run',
          '--detach',
          '--name',
          spec.name,
          // podman schedules HEALTHCHECKs with systemd timers, absent here; the test runs it itself.
          ...(name === 'podman' ? ['--health-interval=disable'] : []),
          ...(spec.hostNetwork
            ? ['--network=host']
            : ['--publish', `127.0.0.1:${spec.hostPort}:${spec.containerPort}`]),
          ...Object.entries(
            spec.hostNetwork ? { ...spec.env, HOST: '127.0.0.1', PORT: String(spec.hostPort) } : spec.env,
          ).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
          spec.image,
        ],
        cwd,
      ),
    exec: (container, command, cwd) => cmd('exec', ['exec', container, ...command], cwd),
    healthcheck:
      name === 'podman' ? (container, cwd) => cmd('healthcheck run', ['healthcheck', 'run', container], cwd) : null,
    stop: (container, timeoutSeconds, cwd) => cmd('stop', ['stop', '--time', String(timeoutSeconds), container], cwd),
    exitCode: (container, cwd) => cmd('inspect', ['inspect', '--format', '{{.State.ExitCode}}', container], cwd),
    logs: (container, cwd) => cmd('logs', ['logs', container], cwd),
    remove: (container, cwd) => cmd('rm', ['rm', '--force', container], cwd),
    create: (image, container, cwd) => cmd('create', ['create', '--name', container, image], cwd),
    exportFs: (container, tarball, cwd) => cmd('export', ['export', '--output', tarball, container], cwd),
    mountImage: name === 'podman' ? (image, cwd) => cmd('image mount', ['image', 'mount', image], cwd) : null,
    unmountImage: name === 'podman' ? (image, cwd) => cmd('image unmount', ['image', 'unmount', image], cwd) : null,
    push: (ref, digestFile, verify, cwd) =>
      name === 'podman'
        ? cmd('push', ['push', ...tls(verify), '--digestfile', digestFile, ref], cwd)
        : cmd('push', ['push', ref], cwd),
    pull: (ref, verify, cwd) => cmd('pull', ['pull', ...tls(verify), ref], cwd),
  };
}

import { resolveEngine } from '.';
import { docker } from './docker';
import { parseImageInspect } from './engine';
import { needsHostNetwork, podman, podmanEnv } from './podman';

describe('engine argv', () => {
  it('runs a test container on loopback only', () => {
    const command = podman.run(
      { image: 'sha256:abc', name: 't1', hostPort: 40000, containerPort: 8000, env: { A: '1' } },
      '/w',
    );
    expect([command.command, ...command.args]).toEqual([
      'podman',
      'run',
      '--detach',
      '--name',
      't1',
      '--health-interval=disable',
      '--publish',
      '127.0.0.1:40000:8000',
      '--env',
      'A=1',
      'sha256:abc',
    ]);
  });

  it('shares the host network and tells the image its port where rootless podman cannot publish one', () => {
    const command = podman.run(
      { image: 'sha256:abc', name: 't1', hostPort: 40000, containerPort: 8000, env: { A: '1' }, hostNetwork: true },
      '/w',
    );
    expect(command.args).toEqual([
      'run',
      '--detach',
      '--name',
      't1',
      '--health-interval=disable',
      '--network=host',
      '--env',
      'A=1',
      '--env',
      'HOST=127.0.0.1',
      '--env',
      'PORT=40000',
      'sha256:abc',
    ]);
  });

  it('needs the host network only as a non-root user who cannot open /dev/net/tun', () => {
    expect(needsHostNetwork(0, '/nonexistent/tun', {})).toBe(false);
    expect(needsHostNetwork(1000, '/nonexistent/tun', {})).toBe(true);
    expect(needsHostNetwork(1000, __filename, {})).toBe(false);
    expect(needsHostNetwork(0, __filename, { CONTAINER_NETWORK: 'host' })).toBe(true);
    expect(needsHostNetwork(1000, '/nonexistent/tun', { CONTAINER_NETWORK: 'publish' })).toBe(false);
  });

  it('runs the HEALTHCHECK on demand with podman; docker runs it itself', () => {
    expect(podman.healthcheck?.('t1', '/w').args).toEqual(['healthcheck', 'run', 't1']);
    expect(docker.healthcheck).toBeNull();
  });

  it('pushes with a digest file and explicit TLS on podman, plainly on docker', () => {
    expect(podman.push('r:5000/a:b', '/tmp/d', false, '/w').args).toEqual([
      'push',
      '--tls-verify=false',
      '--digestfile',
      '/tmp/d',
      'r:5000/a:b',
    ]);
    expect(docker.push('r:5000/a:b', '/tmp/d', false, '/w').args).toEqual(['push', 'r:5000/a:b']);
  });

  it('probes a base without network and with the given entrypoint', () => {
    expect(podman.runOnce('base:1', ['python3', '-c', 'print(1)'], '/w').args).toEqual([
      'run',
      '--rm',
      '--network=none',
      '--entrypoint',
      'python3',
      'base:1',
      '-c',
      'print(1)',
    ]);
  });
});

describe('parseImageInspect', () => {
  it('reads id, digest, tags, size, user and labels', () => {
    const facts = parseImageInspect(
      JSON.stringify([
        {
          Id: 'abc123',
          Digest: 'sha256:def',
          RepoTags: ['localhost/customercare/api:main'],
          RepoDigests: null,
          Size: 123456789,
          Config: { User: '10001:10001', Labels: { 'org.opencontainers.image.revision': 'deadbeef' } },
        },
      ]),
    );
    expect(facts).toEqual({
      id: 'sha256:abc123',
      digest: 'sha256:def',
      repoTags: ['localhost/customercare/api:main'],
      repoDigests: [],
      sizeBytes: 123456789,
      user: '10001:10001',
      labels: { 'org.opencontainers.image.revision': 'deadbeef' },
    });
  });

  it('says what it got when the output is not an image', () => {
    expect(() => parseImageInspect('[]')).toThrow('Unexpected `image inspect` output');
  });
});

describe('resolveEngine', () => {
  const none = { dockerDaemon: false, dockerBuildx: false, podman: false };
  it('prefers docker with buildx on auto, else podman', () => {
    expect(resolveEngine('auto', { dockerDaemon: true, dockerBuildx: true, podman: true }).name).toBe('docker');
    expect(resolveEngine('auto', { dockerDaemon: true, dockerBuildx: false, podman: true }).name).toBe('podman');
    expect(resolveEngine('auto', { ...none, podman: true }).name).toBe('podman');
  });

  it('explains what is missing', () => {
    expect(() => resolveEngine('auto', none)).toThrow('Run `npm run setup`');
    expect(() => resolveEngine('docker', { ...none, podman: true })).toThrow('no docker daemon answers');
    expect(() => resolveEngine('docker', { dockerDaemon: true, dockerBuildx: false, podman: true })).toThrow(
      'buildx is missing',
    );
  });
});

describe('podmanEnv', () => {
  it('points podman at the workspace config only where setup wrote it and nothing overrides it', () => {
    expect(podmanEnv('/nowhere', {})).toEqual({});
    expect(podmanEnv('/nowhere', { CONTAINERS_CONF: '/etc/x' })).toEqual({});
  });
});

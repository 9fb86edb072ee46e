import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEnvironment, type RawDeployConfig } from '../config';
import { haproxyConfig, weightCommands } from './local/haproxy';
import { localProvider } from './local';

const GATES = { perf: { errorRate: 0.01, p95Ms: 500 } };

function env(local: NonNullable<RawDeployConfig['environments'][string]['local']>) {
  return resolveEnvironment(
    {
      service: 'api',
      environments: {
        staging: {
          provider: 'local',
          url: 'http://127.0.0.1:8480',
          local,
          steps: [{ weight: 20, pause: '1s' }, { weight: 100 }],
        },
      },
    },
    'staging',
    GATES,
    'apps/api/deploy.yml',
  );
}

describe('local provider', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'deploy-local-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const ctx = (e: ReturnType<typeof env>) => ({
    workspaceRoot: root,
    projectRoot: 'apps/api',
    project: 'api',
    env: e,
    log: () => undefined,
  });

  it('plans a process in the free slot, HAProxy runtime commands for each step, and the rollback', () => {
    const e = env({ command: ['python', '-m', 'api', 'serve', '--release', '{version}'] });
    const plan = localProvider.plan(ctx(e), { version: 'v2', stable: { version: 'v1', id: 'blue' } });
    expect(plan.map((p) => `${p.phase}: ${p.argv.join(' ')}`)).toEqual([
      'deployCandidate: python -m api serve --release v2',
      'deployCandidate: haproxy-runtime-api set server app/green addr 127.0.0.1 port <port>',
      'deployCandidate: haproxy-runtime-api set weight app/green 0',
      'deployCandidate: haproxy-runtime-api set server app/green state ready',
      'setTraffic: haproxy-runtime-api set weight app/green 20',
      'setTraffic: haproxy-runtime-api set weight app/blue 80',
      'setTraffic: haproxy-runtime-api set weight app/green 100',
      'setTraffic: haproxy-runtime-api set weight app/blue 0',
      'promote: haproxy-runtime-api set weight app/green 100',
      'promote: haproxy-runtime-api set weight app/blue 0',
      'promote: haproxy-runtime-api set server app/blue state maint',
      'rollback: haproxy-runtime-api set weight app/blue 100',
      'rollback: haproxy-runtime-api set weight app/green 0',
      'rollback: haproxy-runtime-api set server app/green state maint',
    ]);
  });

  it('runs processes by default, and the image the docker target built with runtime: image', () => {
    const image = {
      file: 'reports/apps/api/docker/image.json',
      containerPort: 8000,
      volumes: ['{workspaceRoot}/tmp/data:/data:U'],
      env: { DATA_DIR: '/data' },
    };
    const processes = env({ command: ['python', '-m', 'api', 'serve'], image });
    expect(localProvider.plan(ctx(processes), { version: 'v2', stable: null })[0].argv).toEqual([
      'python',
      '-m',
      'api',
      'serve',
    ]);
    mkdirSync(join(root, 'reports/apps/api/docker'), { recursive: true });
    writeFileSync(
      join(root, 'reports/apps/api/docker/image.json'),
      JSON.stringify({
        image: 'customercare/api',
        id: 'sha256:c2a5',
        tags: ['localhost/customercare/api:main'],
        engine: 'podman',
      }),
    );
    const images = env({ runtime: 'image', env: { DATA_DIR: '{workspaceRoot}/tmp/data', LOG_LEVEL: 'info' }, image });
    const saved = process.env['CONTAINER_NETWORK'];
    try {
      process.env['CONTAINER_NETWORK'] = 'publish';
      expect(localProvider.plan(ctx(images), { version: 'v2', stable: null })[0].argv).toEqual([
        'podman',
        'run',
        '--rm',
        '--name',
        'api-staging-blue',
        '-p',
        '127.0.0.1:<port>:8000',
        '-v',
        `${root}/tmp/data:/data:U`,
        '-e',
        'DATA_DIR=/data',
        '-e',
        'LOG_LEVEL=info',
        '-e',
        'HOST=0.0.0.0',
        '-e',
        'PORT=8000',
        '-e',
        'RELEASE=v2',
        'sha256:c2a5',
      ]);
      // Rootless podman without /dev/net/tun: the host's network, the slot's port through $PORT.
      process.env['CONTAINER_NETWORK'] = 'host';
      expect(localProvider.plan(ctx(images), { version: 'v2', stable: null })[0].argv).toEqual([
        'podman',
        'run',
        '--rm',
        '--name',
        'api-staging-blue',
        '--network=host',
        '-v',
        `${root}/tmp/data:/data:U`,
        '-e',
        'DATA_DIR=/data',
        '-e',
        'LOG_LEVEL=info',
        '-e',
        'HOST=127.0.0.1',
        '-e',
        'PORT=<port>',
        '-e',
        'RELEASE=v2',
        'sha256:c2a5',
      ]);
    } finally {
      if (saved === undefined) delete process.env['CONTAINER_NETWORK'];
      else process.env['CONTAINER_NETWORK'] = saved;
    }
  });

  it('says what to run when the environment runs images and none was built', () => {
    const e = env({ runtime: 'image', image: { file: 'reports/apps/api/docker/image.json' } });
    expect(() => localProvider.plan(ctx(e), { version: 'v2', stable: null })).toThrow(
      'environment staging runs images, but reports/apps/api/docker/image.json does not exist: run `nx run api:docker` first, or set local.runtime: process.',
    );
  });

  it('binds HAProxy to loopback with the exporter and both slots in maintenance, and never sets both weights to 0', () => {
    const cfg = haproxyConfig({
      socket: '/s/haproxy.sock',
      pidFile: '/s/haproxy.pid',
      port: 8480,
      statsPort: 9101,
      healthPath: '/health',
    });
    expect(cfg).toContain('bind 127.0.0.1:8480');
    expect(cfg).toContain('http-request set-header X-Forwarded-For %[src]');
    expect(cfg).toContain('http-request use-service prometheus-exporter if { path /metrics }');
    expect(cfg).toContain('server blue 127.0.0.1:9 disabled check');
    expect(cfg).toContain('option httpchk GET /health');
    expect(weightCommands('blue', 'green', 100)).toEqual(['set weight app/green 100', 'set weight app/blue 0']);
    expect(weightCommands(null, 'green', 100)).toEqual(['set weight app/green 100']);
  });
});

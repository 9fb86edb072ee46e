import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEnvironment, type RawDeployConfig } from '../config';
import { haproxyConfig, weightCommands } from './local/haproxy';
import { localProvider } from './local';
import type { CommandRunner, StartOptions } from './cli';

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

  describe('with a fake runner, which sees every process the provider runs or starts', () => {
    const servers: Server[] = [];
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
    });
    const listen = (server: Server, where: string | number) =>
      new Promise<void>((done) => {
        servers.push(server);
        if (typeof where === 'number') server.listen(where, '127.0.0.1', done);
        else server.listen(where, done);
      });
    /** HAProxy's runtime API on its socket: records each command and answers nothing (success). */
    const runtimeApi = async (socket: string, commands: string[]) =>
      listen(
        createServer((connection) => {
          let text = '';
          connection.on('data', (chunk) => (text += chunk.toString()));
          connection.on('end', () => {
            commands.push(text.trim());
            connection.end('\n');
          });
        }),
        socket,
      );
    const fakeRunner = (exitAtOnce = false) => {
      const ran: string[][] = [];
      const started: Array<{ argv: string[]; options: StartOptions }> = [];
      const run: CommandRunner = Object.assign(
        async (argv: string[]) => {
          ran.push(argv);
          return { exitCode: 0, stdout: '', stderr: '' };
        },
        {
          start: async (argv: string[], options: StartOptions) => {
            started.push({ argv, options });
            if (exitAtOnce) writeFileSync(options.logFile, 'Traceback: ModuleNotFoundError: api\n');
            const ended = { label: argv[0], exitCode: 1, timedOut: false, stdout: '', stderr: '', stderrTail: '' };
            return { pid: 4242, result: () => (exitAtOnce ? ended : undefined), tail: () => '' };
          },
        },
      );
      return { run, ran, started };
    };

    it('starts the candidate through the runner (the project python first, HOST, PORT, RELEASE) and puts it in its slot', async () => {
      const e = env({ command: ['python', '-m', 'api', 'serve', '--release', '{version}'] });
      const stateDir = join(root, 'tmp', 'deploy', 'api', 'staging');
      mkdirSync(stateDir, { recursive: true });
      const commands: string[] = [];
      await runtimeApi(join(stateDir, 'haproxy.sock'), commands);
      const fake = fakeRunner();
      const release = await localProvider.deployCandidate({ ...ctx(e), run: fake.run }, 'v2', null);
      const port = Number(release.details?.port);
      expect(release).toMatchObject({ version: 'v2', id: 'blue', url: `http://127.0.0.1:${port}` });
      expect(fake.ran).toEqual([]);
      expect(fake.started).toHaveLength(1);
      const [{ argv, options }] = fake.started;
      expect(argv).toEqual(['python', '-m', 'api', 'serve', '--release', 'v2']);
      expect(options).toMatchObject({
        cwd: join(root, 'apps/api'),
        logFile: join(stateDir, 'logs', 'blue-v2.log'),
        folders: [join(root, '.venv', 'bin')],
        env: { HOST: '127.0.0.1', PORT: String(port), RELEASE: 'v2' },
      });
      expect(options.env?.PATH?.startsWith(join(root, '.venv', 'bin'))).toBe(true);
      expect(commands).toEqual([
        `set server app/blue addr 127.0.0.1 port ${port}`,
        'set weight app/blue 0',
        'set server app/blue state ready',
      ]);
      expect(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).slots.blue).toMatchObject({
        pid: 4242,
        port,
      });
    });

    it('fails at once, with the last lines of its log, when the release exits as soon as it starts', async () => {
      const e = env({ command: ['python', '-m', 'api', 'serve'] });
      const stateDir = join(root, 'tmp', 'deploy', 'api', 'staging');
      await expect(localProvider.deployCandidate({ ...ctx(e), run: fakeRunner(true).run }, 'v2', null)).rejects.toThrow(
        `v2 exited as soon as it started (python -m api serve): \nTraceback: ModuleNotFoundError: api\nFull log: ${join(stateDir, 'logs', 'blue-v2.log')}`,
      );
    });

    it('starts HAProxy (it daemonizes itself) through run, and Prometheus, which outlives the deploy, through start', async () => {
      const e = env({ command: ['python', '-m', 'api', 'serve'] });
      const stateDir = join(root, 'tmp', 'deploy', 'api', 'staging');
      const fake = fakeRunner();
      const run: CommandRunner = Object.assign(
        async (argv: string[]) => {
          // What haproxy -D leaves behind: its pid file, its runtime socket and its exporter.
          const cfg = readFileSync(argv[3], 'utf8');
          writeFileSync(join(stateDir, 'haproxy.pid'), String(process.pid));
          await runtimeApi(join(stateDir, 'haproxy.sock'), []);
          const statsPort = Number(/frontend stats\n\s*bind 127\.0\.0\.1:(\d+)/.exec(cfg)?.[1]);
          await listen(
            createHttpServer((_request, response) =>
              response.end('haproxy_server_http_responses_total 0\n'),
            ) as unknown as Server,
            statsPort,
          );
          return fake.run(argv);
        },
        {
          start: async (argv: string[], options: StartOptions) => {
            const port = Number(/--web\.listen-address=127\.0\.0\.1:(\d+)/.exec(argv.join(' '))?.[1]);
            await listen(createHttpServer((_request, response) => response.end('ready')) as unknown as Server, port);
            return (fake.run.start as NonNullable<CommandRunner['start']>)(argv, options);
          },
        },
      );
      await localProvider.preflight({ ...ctx(e), run });
      expect(fake.ran).toEqual([['haproxy', '-D', '-f', join(stateDir, 'haproxy.cfg')]]);
      expect(fake.started.map(({ argv }) => argv[0])).toEqual(['prometheus']);
      expect(fake.started[0].argv).toContain(`--config.file=${join(stateDir, 'prometheus.yml')}`);
      expect(fake.started[0].options).toMatchObject({
        cwd: stateDir,
        logFile: join(stateDir, 'logs', 'prometheus.log'),
      });
    });
  });
});

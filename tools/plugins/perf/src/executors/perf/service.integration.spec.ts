import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceSpec } from './scenario';
import { renderServiceEnv, ServiceError, startService } from './service';
import { FIXTURE_SERVER, gone } from './testing';

const spec = (overrides: Partial<ServiceSpec>): ServiceSpec => ({
  command: [process.execPath, FIXTURE_SERVER],
  env: {},
  setup: [],
  readinessPath: '/health',
  readinessTimeoutS: 10,
  ...overrides,
});

describe('service lifecycle', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'perf-service-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const options = () => ({ projectRoot: dir, pathPrepend: [], logFile: join(dir, 'service.log'), stopGraceS: 1 });

  it('starts on a free loopback port with PORT, HOST and the rendered env, and stops the process group', async () => {
    const service = await startService(
      spec({ env: { SPAWN_CHILD: '1', GREETING: 'port {{ port }} on {{ host }}' } }),
      options(),
    );
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const log = readFileSync(join(dir, 'service.log'), 'utf8');
    expect(log).toContain(`listening on ${new URL(service.url).port}`);
    const child = Number(/child (\d+)/.exec(log)?.[1]);
    await service.stop();
    await service.stop();
    expect(await gone(service.pid)).toBe(true);
    expect(await gone(child)).toBe(true);
  });

  it('fails with the output of a setup command that fails, before starting the service', async () => {
    const setup = [[process.execPath, '-e', 'console.error("seed: no database"); process.exit(4)']];
    await expect(startService(spec({ setup }), options())).rejects.toThrow(
      /exited with 4\. Its output .*\n\s+seed: no database/,
    );
  });

  it('gives up when readiness never answers, says what it saw, and leaves nothing running', async () => {
    const silent = [
      process.execPath,
      '-e',
      'console.log("started, never listening, pid", process.pid); setInterval(() => {}, 1000)',
    ];
    // It never listens, so only the readiness deadline can end the wait: the error names it. The
    // deadline leaves a loaded machine ample time to start Node and print the line the error shows.
    const error = await startService(spec({ command: silent, readinessTimeoutS: 2 }), options()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(
      /did not answer 2xx on http:\/\/127\.0\.0\.1:\d+\/health within 2s \(last: .*ECONNREFUSED.*\)[\s\S]*started, never listening/,
    );
    const pid = Number(/pid (\d+)/.exec(readFileSync(join(dir, 'service.log'), 'utf8'))?.[1]);
    expect(await gone(pid)).toBe(true);
  });

  it('names an unknown placeholder in the service env', () => {
    expect(() => renderServiceEnv({ URL: 'http://{{ hostname }}' }, { port: 1, host: 'h', dataDir: '/d' })).toThrow(
      'service.env.URL uses {{ hostname }}; only {{ port }}, {{ host }} and {{ dataDir }} exist.',
    );
  });
});

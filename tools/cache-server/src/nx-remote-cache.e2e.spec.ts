import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { READ_ONLY_TOKEN, READ_WRITE_TOKEN, startTestServer, type TestServer } from './testing/cache-server';
import {
  DEFAULT_PROJECTS,
  cloneWorkspace,
  createFixtureWorkspace,
  git,
  removeAll,
  runNx,
  type NxRun,
} from './testing/nx-workspace';
import { prepareRemoteCache } from './testing/remote-cache';

const TASKS = DEFAULT_PROJECTS.flatMap(({ name }) => [`${name}:lint`, `${name}:test`]);

async function outputsOf(workspace: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const project of DEFAULT_PROJECTS) {
    const dist = join(workspace, 'libs', project.name, 'dist');
    for (const file of await readdir(dist, { recursive: true, withFileTypes: true })) {
      if (file.isFile()) {
        const path = join(file.parentPath, file.name);
        files.set(relative(workspace, path), await readFile(path));
      }
    }
  }
  return files;
}

function tasksWith(run: NxRun, marker: string): string[] {
  const lines = run.output.split('\n');
  return TASKS.filter((task) => lines.some((line) => line.includes(`nx run ${task} `) && line.includes(`[${marker}]`)));
}

const storedEntries = (server: TestServer) =>
  server.logs.filter((line) => line.msg === 'request' && line.method === 'PUT' && line.status === 200).length;

/**
 * The real nx CLI (the version this workspace pins) against the server on loopback, in throw-away
 * workspaces: a small fixture of three projects with cacheable lint and test targets whose outputs
 * cannot be recomputed byte for byte, so identical bytes prove a restore.
 */
describe('Nx with the cache server on loopback', () => {
  let server: TestServer;
  let origin: string;
  const clones: string[] = [];
  const clone = async () => {
    const path = await cloneWorkspace(origin);
    clones.push(join(path, '..'));
    return path;
  };
  const remote = (token: string) => ({
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
  });
  const RUN = ['run-many', '-t', 'lint', 'test', '--output-style=static'];
  const FAST = { FIXTURE_TASK_MS: '50' };

  beforeAll(async () => {
    server = await startTestServer();
    origin = await createFixtureWorkspace();
  });
  afterAll(async () => {
    await server.stop();
    await removeAll(origin, ...clones);
  });

  it('a first clone populates the cache; a fresh second clone gets [remote cache] for every task and identical outputs', async () => {
    const first = await clone();
    const cold = await runNx(first, RUN, { ...remote(READ_WRITE_TOKEN), ...FAST });
    expect(cold.code).toBe(0);
    expect(tasksWith(cold, 'remote cache')).toEqual([]);
    expect(storedEntries(server)).toBe(TASKS.length);

    const second = await clone();
    const warm = await runNx(second, RUN, { ...remote(READ_ONLY_TOKEN), ...FAST });
    expect(warm.code).toBe(0);
    expect(tasksWith(warm, 'remote cache')).toEqual(TASKS);
    const [expected, restored] = [await outputsOf(first), await outputsOf(second)];
    expect([...restored.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(expected.size).toBe(TASKS.length * 2);
    for (const [path, bytes] of expected) expect(restored.get(path)?.equals(bytes)).toBe(true);
  });

  it('a read-only token (pull requests) reads but cannot write: its new results stay local and the run passes', async () => {
    const pr = await clone();
    await appendFile(join(pr, 'libs/c/src/index.js'), '// changed in a PR\n');
    git(pr, 'commit', '-qam', 'change c');
    const before = storedEntries(server);
    const run = await runNx(pr, RUN, { ...remote(READ_ONLY_TOKEN), ...FAST });
    expect(run.code).toBe(0);
    expect(tasksWith(run, 'remote cache').sort()).toEqual(['a:lint', 'a:test', 'b:lint', 'b:test']);
    expect(storedEntries(server)).toBe(before);
    const refused = server.logs.filter(
      (line) => line.msg === 'request' && line.method === 'PUT' && line.status === 403,
    );
    expect(refused).toHaveLength(2);
  });

  it('a bad token is refused: nx stops with the reason, and the pipeline check falls back so the run stays green', async () => {
    const workspace = await clone();
    const bad = remote('a-token-nobody-issued-0000');
    const raw = await runNx(workspace, ['run', 'a:lint', '--output-style=static'], { ...bad, ...FAST });
    expect(raw.code).not.toBe(0);
    expect(raw.output).toContain('Unauthorized: unknown token');

    const { env, warning } = await prepareRemoteCache(bad);
    expect(warning).toMatch(/refused the access token \(HTTP 401/);
    const guarded = await runNx(workspace, ['run', 'a:lint', '--output-style=static'], { ...env, ...FAST });
    expect(guarded.code).toBe(0);
    expect(guarded.output).toContain('lint of a passed');
  });

  it('the server stopped while nx runs: nx aborts, the fallback runs the command again without it, and the run ends green', async () => {
    const workspace = await clone();
    const dying = await startTestServer();
    const marker = join(workspace, '..', 'first-task-started');
    const settings = {
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: dying.url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: READ_WRITE_TOKEN,
    };
    let stopped = false;
    const watcher = (async () => {
      while (!existsSync(marker)) await new Promise((done) => setTimeout(done, 25));
      await dying.stop();
      stopped = true;
    })();
    const run = await runNx(
      workspace,
      RUN,
      { ...settings, FIXTURE_TASK_MS: '800', FIXTURE_STARTED_MARKER: marker },
      { throughFallback: true },
    );
    await watcher;
    expect(stopped).toBe(true);
    expect(run.output).toMatch(/Failed to send request/); // Nx 23 gives up on the unreachable server...
    expect(run.output.match(/warning: Remote cache .* is unavailable: nothing is listening there/g)).toHaveLength(1);
    expect(run.output).toMatch(/became unavailable during the run \(exit 1\)/);
    expect(run.code).toBe(0); // ...and the second run, local cache only, finishes every task
    expect(run.output).toMatch(/Successfully ran targets lint, test for 3 projects/);
    expect((await outputsOf(workspace)).size).toBe(TASKS.length * 2);
  });

  it('the server down before nx starts: the check falls back and the pipeline finishes green, computing what it cannot fetch', async () => {
    const workspace = await clone();
    const down = await startTestServer();
    const settings = {
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: down.url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: READ_WRITE_TOKEN,
    };
    expect((await prepareRemoteCache(settings)).warning).toBeUndefined();
    await down.stop();

    const { env, warning } = await prepareRemoteCache(settings);
    expect(warning).toMatch(/connection refused/);
    expect(env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    const run = await runNx(workspace, RUN, { ...env, ...FAST });
    expect(run.code).toBe(0);
    expect(tasksWith(run, 'remote cache')).toEqual([]);
    expect(run.output).toMatch(/Successfully ran targets lint, test for 3 projects/);
    expect((await outputsOf(workspace)).size).toBe(TASKS.length * 2);
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { READ_ONLY_TOKEN, READ_WRITE_TOKEN, bearer } from './testing/cache-server';
import { checkConformance } from './testing/conformance';
import { DEFAULT_PROJECTS, cloneWorkspace, createFixtureWorkspace, removeAll, runNx } from './testing/nx-workspace';
import { startHaproxy, startReplica, type Balancer, type Replica } from './testing/replicas';
import { startTestS3Server, type TestS3Server } from './testing/s3-server';

const TASKS = DEFAULT_PROJECTS.flatMap(({ name }) => [`${name}:lint`, `${name}:test`]);
const RUN = ['run-many', '-t', 'lint', 'test', '--output-style=static'];

/** A PUT whose first half is sent at once and whose second half waits for `release`: resolves with the status. */
function slowPut(url: string, body: Buffer, release: Promise<void>): Promise<number> {
  return new Promise((done, fail) => {
    const req = request(
      url,
      { method: 'PUT', headers: { ...bearer(READ_WRITE_TOKEN), 'content-length': body.length } },
      (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      },
    );
    req.on('error', fail);
    req.write(body.subarray(0, body.length / 2));
    void release.then(() => req.end(body.subarray(body.length / 2)));
  });
}

/**
 * Cache server replicas as separate processes (bin/cache-server.js) over one bucket of the test S3
 * server (s3rver with conditional writes), behind the toolchain's HAProxy, all on loopback.
 */
describe('cache server replicas behind HAProxy over one S3 bucket', () => {
  let s3: TestS3Server;
  let replicas: Replica[] = [];
  let balancer: Balancer | undefined;

  beforeAll(async () => {
    s3 = await startTestS3Server();
    replicas = [await startReplica(s3), await startReplica(s3)];
  });
  afterAll(async () => {
    await balancer?.stop();
    for (const replica of replicas) await replica.stop();
    await s3.close();
  });

  it('every replica, and HAProxy in front of them, passes the conformance checks; what one stores the other serves', async () => {
    balancer = await startHaproxy(replicas.map((replica) => replica.port));
    for (const [i, url] of [...replicas.map((replica) => replica.url), balancer.url].entries()) {
      await checkConformance(url, `c0ffee${i}`);
    }
    const artifact = randomBytes(64 * 1024);
    const stored = await fetch(`${replicas[0].url}/v1/cache/5ca1e`, {
      method: 'PUT',
      body: artifact,
      headers: bearer(READ_WRITE_TOKEN),
    });
    expect(stored.status).toBe(200);
    const served = await fetch(`${replicas[1].url}/v1/cache/5ca1e`, { headers: bearer(READ_ONLY_TOKEN) });
    expect(Buffer.from(await served.arrayBuffer()).equals(artifact)).toBe(true);
  });

  it('a PUT of one hash racing on two replicas stores exactly one artifact: one 200, one 409, both replicas serve the winner', async () => {
    const key = 'nx/main/racing1';
    const bodies = [Buffer.alloc(200_000, 1), Buffer.alloc(200_000, 2)];
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    const statuses: Array<Promise<number>> = [];
    // A replica that answers before both uploads are in the bucket ends the wait (and fails below)
    // instead of leaving it to the test's timeout.
    const bothUploading = async (count: number) => {
      const answeredEarly = Promise.race(statuses).then((status) => `a replica answered ${status} early`);
      return Promise.race([s3.waitForPuts(key, count).then(() => 'uploading'), answeredEarly]);
    };
    // The first replica's upload is in the bucket, half written, when the second replica gets the
    // same hash: its HEAD check finds nothing (S3 shows an object only once its PUT completed), so
    // both are writing the same key at once.
    statuses.push(slowPut(`${replicas[0].url}/v1/cache/racing1`, bodies[0], released));
    expect(await bothUploading(1)).toBe('uploading');
    statuses.push(slowPut(`${replicas[1].url}/v1/cache/racing1`, bodies[1], released));
    const waited = await bothUploading(2);
    release();
    const answered = await Promise.all(statuses.map((status) => status.catch((error: Error) => error.message)));
    // On a mismatch the diff shows what each replica logged about the PUT (and any stderr), not only the statuses.
    const explain = (status: number | string, i: number) => ({
      status,
      log: status === 200 || status === 409 ? [] : replicas[i].logs().filter((line) => line.method === 'PUT'),
      stderr: status === 200 || status === 409 ? '' : replicas[i].stderr(),
    });
    expect({ waited, answered: answered.map(explain) }).toEqual({
      waited: 'uploading',
      answered: [
        { status: 200, log: [], stderr: '' },
        { status: 409, log: [], stderr: '' },
      ],
    });
    for (const replica of replicas) {
      const hit = await fetch(`${replica.url}/v1/cache/racing1`, { headers: bearer(READ_ONLY_TOKEN) });
      expect(Buffer.from(await hit.arrayBuffer()).equals(bodies[0])).toBe(true);
    }
  });

  it('a replica SIGKILLed while nx runs through HAProxy costs no failed task, and a fresh clone then gets every task from the cache', async () => {
    if (!balancer) balancer = await startHaproxy(replicas.map((replica) => replica.port));
    const origin = await createFixtureWorkspace();
    const clones: string[] = [];
    try {
      const first = await cloneWorkspace(origin);
      clones.push(join(first, '..'));
      const marker = join(first, '..', 'first-task-started');
      const remote = (token: string) => ({
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: balancer?.url,
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
      });
      let killed = false;
      const killer = (async () => {
        while (!existsSync(marker)) await new Promise((done) => setTimeout(done, 10));
        replicas[0].child.kill('SIGKILL');
        killed = true;
      })();
      const run = await runNx(first, RUN, {
        ...remote(READ_WRITE_TOKEN),
        FIXTURE_TASK_MS: '800',
        FIXTURE_STARTED_MARKER: marker,
      });
      await killer;
      expect(killed).toBe(true);
      expect(run.output).not.toMatch(/Failed to send request|remote cache.*error/i);
      expect(run.code).toBe(0);
      expect(run.output).toMatch(/Successfully ran targets lint, test for 3 projects/);
      // HAProxy's health check saw the kill during the run.
      expect(balancer.output()).toMatch(/Server replicas\/replica1 is DOWN/);
      // The stores after the kill went to the surviving replica.
      const survivorStores = replicas[1]
        .logs()
        .filter((line) => line.msg === 'request' && line.method === 'PUT' && line.status === 200);
      expect(survivorStores.length).toBeGreaterThan(0);

      const second = await cloneWorkspace(origin);
      clones.push(join(second, '..'));
      const warm = await runNx(second, RUN, { ...remote(READ_ONLY_TOKEN), FIXTURE_TASK_MS: '50' });
      expect(warm.code).toBe(0);
      const lines = warm.output.split('\n');
      const restored = TASKS.filter((task) =>
        lines.some((line) => line.includes(`nx run ${task} `) && line.includes('[remote cache]')),
      );
      expect(restored).toEqual(TASKS);
    } finally {
      await removeAll(origin, ...clones);
    }
  });
});

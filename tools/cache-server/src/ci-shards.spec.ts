import { join } from 'node:path';
import { WORKSPACE_ROOT } from './testing/nx-workspace';
import { callScript } from './testing/script-module';

/** The sharded CI's pure parts (tools/scripts/ci): planner, run history, quarantine, shard outcome, merge. */
const CI = join(WORKSPACE_ROOT, 'tools', 'scripts', 'ci');
const planner = (fn: string, ...args: unknown[]) => callScript(join(CI, 'planner.mjs'), fn, ...args);
const history = (fn: string, ...args: unknown[]) => callScript(join(CI, 'history.mjs'), fn, ...args);
const quarantine = (fn: string, ...args: unknown[]) => callScript(join(CI, 'quarantine.mjs'), fn, ...args);
const shard = (fn: string, ...args: unknown[]) => callScript(join(CI, 'run-shard.mjs'), fn, ...args);
const merge = (fn: string, ...args: unknown[]) => callScript(join(CI, 'merge-shards.mjs'), fn, ...args);

const plugin = (fn: string, ...args: unknown[]) => callScript(join(CI, 'run-results-plugin.cjs'), fn, ...args);

interface Shard {
  index: number;
  tasks: string[];
  predictedMs: number;
  replicated: string[];
}
interface Plan {
  shards: Shard[];
  totalMs: number;
  idealMs: number;
  longestMs: number;
  balance: number;
}

const task = (id: string) => ({ id, project: id.split(':')[0], target: id.split(':')[1] });

describe('planner', () => {
  it('asks Nx for the per-file e2e split with e2e', async () => {
    expect(await planner('graphTargets', ['lint', 'e2e'])).toEqual(['lint', 'e2e', 'e2e-ci']);
    expect(await planner('graphTargets', ['lint'])).toEqual(['lint']);
  });

  it("plans the e2e-ci--<file> tasks instead of a project's whole e2e, and drops the noop aggregate", async () => {
    const graph = {
      graph: {
        nodes: {
          web: { data: { targets: { build: { executor: '@nx/vite:build' } } } },
          'web-e2e': {
            data: {
              targets: {
                e2e: { executor: 'nx:run-commands' },
                'e2e-ci': { executor: 'nx:noop' },
                'e2e-ci--a.spec.ts': { executor: 'nx:run-commands' },
                'e2e-ci--b.spec.ts': { executor: 'nx:run-commands' },
              },
            },
          },
        },
      },
      tasks: {
        tasks: Object.fromEntries(
          ['web:build', 'web-e2e:e2e', 'web-e2e:e2e-ci', 'web-e2e:e2e-ci--a.spec.ts', 'web-e2e:e2e-ci--b.spec.ts'].map(
            (id) => [id, { id, target: { project: id.split(':')[0], target: id.split(':')[1] } }],
          ),
        ),
        dependencies: {
          'web:build': [],
          'web-e2e:e2e': ['web:build'],
          'web-e2e:e2e-ci': ['web-e2e:e2e-ci--a.spec.ts', 'web-e2e:e2e-ci--b.spec.ts'],
          'web-e2e:e2e-ci--a.spec.ts': ['web:build'],
          'web-e2e:e2e-ci--b.spec.ts': ['web:build'],
        },
      },
    };
    expect(await planner('tasksFromGraph', graph)).toEqual({
      tasks: [task('web-e2e:e2e-ci--a.spec.ts'), task('web-e2e:e2e-ci--b.spec.ts'), task('web:build')],
      dependencies: {
        'web-e2e:e2e-ci--a.spec.ts': ['web:build'],
        'web-e2e:e2e-ci--b.spec.ts': ['web:build'],
        'web:build': [],
      },
    });
  });

  it('predicts a task never seen with the median of its target, then of every task, then a default', async () => {
    const tasks = ['a:test', 'b:test', 'c:test', 'c:lint', 'd:scan'].map(task);
    const { durations, sources } = (await planner('estimateDurations', tasks, {
      'a:test': 10_000,
      'b:test': 30_000,
      'x:lint': 2_000,
    })) as { durations: Record<string, number>; sources: Record<string, string> };
    expect(durations).toEqual({
      'a:test': 10_000,
      'b:test': 30_000,
      'c:test': 20_000,
      'c:lint': 2_000,
      'd:scan': 10_000,
    });
    expect(sources).toEqual({
      'a:test': 'measured',
      'b:test': 'measured',
      'c:test': 'target median',
      'c:lint': 'target median',
      'd:scan': 'overall median',
    });
    const none = (await planner('estimateDurations', [task('a:test')], {})) as { durations: Record<string, number> };
    expect(none.durations['a:test']).toBe(await planner('median', [60_000]));
  });

  it('splits by longest processing time first and reports the balance (longest / ideal)', async () => {
    const durations = { 'a:test': 10, 'b:test': 9, 'c:test': 8, 'd:lint': 3, 'e:lint': 2 };
    const plan = (await planner('planShards', {
      tasks: Object.keys(durations).map(task),
      dependencies: {},
      durations,
      shards: 3,
    })) as Plan;
    expect(plan.shards.map(({ tasks, predictedMs }) => [tasks, predictedMs])).toEqual([
      [['a:test'], 10],
      [['b:test', 'e:lint'], 11],
      [['c:test', 'd:lint'], 11],
    ]);
    expect(plan.totalMs).toBe(32);
    expect(plan.longestMs).toBe(11);
    expect(plan.balance).toBeCloseTo(11 / (32 / 3));
    const one = (await planner('planShards', {
      tasks: Object.keys(durations).map(task),
      dependencies: {},
      durations,
      shards: 1,
    })) as Plan;
    expect(one.balance).toBe(1);
    expect(one.shards[0].tasks).toHaveLength(5);
  });

  it('keeps a task and its dependencies in one shard, dependencies first', async () => {
    const durations = { 'api:contract-check': 1, 'api:test': 5, 'b:test': 5, 'c:test': 5 };
    const plan = (await planner('planShards', {
      tasks: Object.keys(durations).map(task),
      dependencies: { 'api:test': ['api:contract-check'] },
      durations,
      shards: 3,
    })) as Plan;
    const holder = plan.shards.find((s) => s.tasks.includes('api:test'));
    expect(holder?.tasks).toEqual(['api:contract-check', 'api:test']);
    expect(plan.shards.flatMap((s) => s.replicated)).toEqual([]);
  });

  it('splits a component longer than the ideal shard by its sinks, replicating the shared dependency', async () => {
    const durations = { 'web:build': 10, 'e2e:e2e-ci--a': 20, 'e2e:e2e-ci--b': 20, 'e2e:e2e-ci--c': 20 };
    const plan = (await planner('planShards', {
      tasks: Object.keys(durations).map(task),
      dependencies: { 'e2e:e2e-ci--a': ['web:build'], 'e2e:e2e-ci--b': ['web:build'], 'e2e:e2e-ci--c': ['web:build'] },
      durations,
      shards: 3,
    })) as Plan;
    expect(plan.shards.map((s) => s.tasks)).toEqual([
      ['web:build', 'e2e:e2e-ci--a'],
      ['web:build', 'e2e:e2e-ci--b'],
      ['web:build', 'e2e:e2e-ci--c'],
    ]);
    expect(plan.shards.map((s) => s.replicated)).toEqual([['web:build'], ['web:build'], ['web:build']]);
    expect(plan.shards.map((s) => s.predictedMs)).toEqual([30, 30, 30]);
    // Without the split the component would be one 70 ms shard next to two empty ones.
    expect(plan.longestMs).toBe(30);
  });

  it('refuses a shard count that is not a whole number >= 1', async () => {
    await expect(planner('planShards', { tasks: [], dependencies: {}, durations: {}, shards: 0 })).rejects.toThrow(
      /shards must be a whole number >= 1, got 0/,
    );
  });

  it('runs a shard as exact run-many products, dependencies in an earlier group, without pulling in other tasks', async () => {
    const groups = await planner(
      'runGroups',
      ['api:contract-check', 'api:test', 'b:test', 'api:lint', 'b:lint', 'web:build-widget', 'web:build', 'lib:build'],
      { 'api:test': ['api:contract-check'], 'web:build': ['web:build-widget', 'lib:build'] },
    );
    const list = groups as { targets: string[]; projects: string[]; tasks: string[] }[];
    // Every task exactly once, and each group is exactly its targets x projects.
    expect(list.flatMap((g) => g.tasks).sort()).toEqual(
      [
        'api:contract-check',
        'api:test',
        'b:test',
        'api:lint',
        'b:lint',
        'web:build-widget',
        'web:build',
        'lib:build',
      ].sort(),
    );
    for (const g of list) expect(g.tasks.length).toBe(g.targets.length * g.projects.length);
    const at = (id: string) => list.findIndex((g) => g.tasks.includes(id));
    expect(at('api:contract-check')).toBeLessThan(at('api:test'));
    expect(at('web:build-widget')).toBeLessThan(at('web:build'));
    // A same-target dependency (build -> ^build) may share the invocation: Nx orders inside it.
    expect(at('lib:build')).toBeLessThanOrEqual(at('web:build'));
    expect(await planner('runManyArgs', list[0])).toContain('--excludeTaskDependencies');
  });
});

describe('run history', () => {
  const record = (start: number, tasks: object[]) => ({
    id: String(start),
    startTime: start,
    endTime: start + 100,
    tasks,
  });
  const result = (id: string, hash: string, status: string, start = 1, end = 1001) => ({
    id,
    hash,
    status,
    startTime: start,
    endTime: end,
  });

  it('keeps durations and (hash, result) of executed tasks only: a cache hit replays an earlier run', async () => {
    const updated = (await history('addRuns', await history('emptyHistory'), [
      record(1, [result('a:test', 'h1', 'success', 0, 4000), result('b:lint', 'h2', 'remote-cache', 0, 5)]),
      record(2, [result('a:test', 'h1', 'success', 0, 6000)]),
    ])) as { tasks: Record<string, { durations: number[]; runs: { hash: string; status: string }[] }> };
    expect(Object.keys(updated.tasks)).toEqual(['a:test']);
    expect(updated.tasks['a:test'].durations).toEqual([4000, 6000]);
    expect(await history('measuredDurations', updated)).toEqual({ 'a:test': 5000 });
  });

  it('marks a task flaky when the same inputs hash both passed and failed, not when the inputs changed', async () => {
    const updated = await history('addRuns', await history('emptyHistory'), [
      record(1, [result('a:test', 'h1', 'failure'), result('b:test', 'h1', 'failure')]),
      record(2, [result('a:test', 'h1', 'success'), result('b:test', 'h2', 'success')]),
    ]);
    expect(await history('flakyTasks', updated)).toEqual({ 'a:test': { hash: 'h1', passed: 1, failed: 1 } });
  });

  it('rejects a file that is not a run history, naming the fix', async () => {
    await expect(history('checkHistory', { tasks: {} }, 'h.json')).rejects.toThrow(
      /h.json is not a run history .* Delete it to start a new one/,
    );
  });

  it('the Nx plugin hook records id, inputs hash, status and times of every task of a command', async () => {
    const context = {
      id: 'r1',
      argv: ['nx', 'run-many'],
      startTime: 10,
      endTime: 20,
      taskResults: {
        'b:test': {
          task: {
            id: 'b:test',
            target: { project: 'b', target: 'test' },
            hash: 'h',
            cache: true,
            startTime: 11,
            endTime: 19,
          },
          status: 'failure',
          code: 1,
        },
        'a:lint': {
          task: { id: 'a:lint', target: { project: 'a', target: 'lint' }, hash: 'g', cache: true },
          status: 'remote-cache',
          code: 0,
        },
      },
    };
    expect(await plugin('runRecord', context)).toEqual({
      id: 'r1',
      argv: ['nx', 'run-many'],
      startTime: 10,
      endTime: 20,
      tasks: [
        {
          id: 'a:lint',
          project: 'a',
          target: 'lint',
          hash: 'g',
          status: 'remote-cache',
          code: 0,
          cache: true,
          startTime: null,
          endTime: null,
        },
        {
          id: 'b:test',
          project: 'b',
          target: 'test',
          hash: 'h',
          status: 'failure',
          code: 1,
          cache: true,
          startTime: 11,
          endTime: 19,
        },
      ],
    });
  });
});

describe('quarantine list', () => {
  const today = '2026-12-03';
  it('accepts entries with a task id, a reason and an unexpired date', async () => {
    const data = {
      quarantine: [
        { task: 'web-e2e:e2e-ci--a.spec.ts', reason: 'times out on slow runners (issue 42)', expires: '2026-12-03' },
      ],
    };
    expect(await quarantine('checkQuarantine', data, today)).toEqual({
      entries: [
        { task: 'web-e2e:e2e-ci--a.spec.ts', reason: 'times out on slow runners (issue 42)', expires: '2026-12-03' },
      ],
      problems: [],
    });
  });

  it('reports an expired entry as an error with the fix, and every malformed one', async () => {
    const data = {
      quarantine: [
        { task: 'a:test', reason: 'flaky since the clock change', expires: '2026-12-02' },
        { task: 'a:test', reason: 'short', expires: '2027-01-01' },
        { task: 'no-target', reason: 'a long enough reason', expires: '2027-01-01' },
        { task: 'a:test', reason: 'a long enough reason', expires: '2027-02-30' },
      ],
    };
    const { entries, problems } = (await quarantine('checkQuarantine', data, today, 'q.yaml')) as {
      entries: unknown[];
      problems: string[];
    };
    expect(entries).toEqual([]);
    expect(problems).toEqual([
      'q.yaml: quarantine[0] (a:test): expired on 2026-12-02. Fix the flaky task and remove the entry, or renew it with a new reason and date.',
      'q.yaml: quarantine[1] (a:test): "reason" must say why in 10+ characters (the issue or the failure)',
      'q.yaml: quarantine[2]: "task" must be a task id, project:target (e.g. frontend-e2e:e2e-ci--src/chat.spec.ts)',
      'q.yaml: quarantine[3] (a:test): "expires" must be a real date, YYYY-MM-DD (got "2027-02-30")',
    ]);
    expect((await quarantine('checkQuarantine', {}, today, 'q.yaml')) as object).toMatchObject({
      problems: ['q.yaml: expected a "quarantine:" list (use "quarantine: []" when nothing is quarantined)'],
    });
  });

  it('the repository list is valid today', async () => {
    const { problems } = (await callScript(
      join(CI, 'quarantine.mjs'),
      'readQuarantine',
      join(WORKSPACE_ROOT, 'ci', 'quarantine.yaml'),
    )) as {
      problems: string[];
    };
    expect(problems).toEqual([]);
  });
});

describe('shard outcome', () => {
  const r = (status: string, hash = 'h') => ({ status, hash });
  const flaky = { 'a:test': { hash: 'h', passed: 2, failed: 1 } };

  it('retries a failed task only when it is known flaky, with the tasks it held up', async () => {
    const tasks = ['a:test', 'a:build', 'b:test', 'c:lint'];
    const first = { 'a:test': r('failure'), 'a:build': r('skipped'), 'b:test': r('failure'), 'c:lint': r('success') };
    expect(await shard('retrySet', { tasks, dependencies: { 'a:build': ['a:test'] }, first, flaky })).toEqual([
      'a:test',
      'a:build',
    ]);
    expect(await shard('retrySet', { tasks, dependencies: {}, first, flaky: {} })).toEqual([]);
  });

  it('passed on retry, quarantined and failed tasks each get a gate row; only a failure outside the quarantine blocks', async () => {
    const outcome = (await shard('shardOutcome', {
      tasks: ['a:test', 'b:test', 'c:e2e', 'd:lint', 'e:lint'],
      first: { 'a:test': r('failure'), 'b:test': r('failure'), 'c:e2e': r('failure'), 'd:lint': r('remote-cache') },
      second: { 'a:test': r('success') },
      flaky,
      quarantine: [{ task: 'c:e2e', reason: 'flaky iframe load (issue 42)', expires: '2027-01-31' }],
    })) as { tasks: { id: string; outcome: string; executed: number }[]; blocking: boolean };
    expect(outcome.tasks.map((t) => [t.id, t.outcome, t.executed])).toEqual([
      ['a:test', 'passed on retry', 2],
      ['b:test', 'failed', 1],
      ['c:e2e', 'quarantined', 1],
      ['d:lint', 'passed', 0],
      ['e:lint', 'failed', 0],
    ]);
    expect(outcome.blocking).toBe(true);
    const rows = (await shard('gateRows', outcome, 2, 'reports/ci/shard-2/shard.json')) as {
      project: string;
      gate: string;
      measured: string;
      passed: boolean;
    }[];
    expect(rows.map(({ project, gate, measured, passed }) => [project, gate, measured, passed])).toEqual([
      ['ci', 'shard 2', '5 tasks: 4 runs, 1 from cache, 1 passed on retry, 1 quarantined, 2 failed', false],
      ['a', 'retry test', 'failure then success', true],
      ['b', 'task test', 'failure', false],
      ['c', 'quarantined e2e', 'failure (does not block until 2027-01-31)', true],
      ['e', 'task lint', 'not run', false],
    ]);

    const clean = (await shard('shardOutcome', {
      tasks: ['a:test', 'c:e2e'],
      first: { 'a:test': r('failure'), 'c:e2e': r('failure') },
      second: { 'a:test': r('success') },
      flaky,
      quarantine: [{ task: 'c:e2e', reason: 'flaky iframe load (issue 42)', expires: '2027-01-31' }],
    })) as { blocking: boolean };
    expect(clean.blocking).toBe(false);
  });
});

describe('merge', () => {
  const plan = {
    shards: [
      { index: 0, tasks: ['web:build', 'a:test'], replicated: ['web:build'] },
      { index: 1, tasks: ['web:build', 'b:test'], replicated: ['web:build'] },
      { index: 2, tasks: [], replicated: [] },
    ],
  };
  const t = (id: string, first: string, outcome = 'passed') => ({ id, attempts: [first], outcome });

  it('accepts a replicated dependency run in two shards, and counts it', async () => {
    const merged = (await merge('mergeShards', plan, [
      { tasks: [t('web:build', 'success'), t('a:test', 'success')] },
      { tasks: [t('web:build', 'success'), t('b:test', 'remote-cache')] },
      null,
    ])) as { problems: string[]; replicatedRuns: number };
    expect(merged.problems).toEqual([]);
    expect(merged.replicatedRuns).toBe(1);
    expect(await merge('mergeRow', plan, merged, 'm.json')).toMatchObject({
      measured: '3 tasks in 3 shards: 3 executed, 1 from cache, 0 passed on retry, 0 quarantined, 0 failed',
      passed: true,
    });
  });

  it('fails on a missing shard, a missing task, a task outside the plan and a task run in two shards', async () => {
    const single = {
      shards: [
        { index: 0, tasks: ['a:test'], replicated: [] },
        { index: 1, tasks: ['b:test'], replicated: [] },
      ],
    };
    const missing = (await merge('mergeShards', single, [{ tasks: [t('a:test', 'success')] }, null])) as {
      problems: string[];
    };
    expect(missing.problems).toEqual([
      'shard 2: no shard.json (the shard did not run, or its reports were not uploaded)',
    ]);
    const twice = (await merge('mergeShards', single, [
      { tasks: [t('a:test', 'success'), t('b:test', 'success')] },
      { tasks: [t('b:test', 'success')] },
    ])) as { problems: string[] };
    expect(twice.problems).toEqual(['shard 1: ran b:test, not in its plan', 'b:test executed in 2 shards']);
    const row = await merge('mergeRow', single, twice, 'm.json');
    expect(row).toMatchObject({ passed: false });
    const failed = await merge(
      'mergeRow',
      single,
      await merge('mergeShards', single, [
        { tasks: [t('a:test', 'failure', 'failed')] },
        { tasks: [t('b:test', 'success')] },
      ]),
      'm.json',
    );
    expect(failed).toMatchObject({ passed: false, measured: expect.stringContaining('1 failed') });
  });
});

describe('the shard proof comparison', () => {
  const compare = (fn: string, ...args: unknown[]) => callScript(join(CI, 'prove-compare.mjs'), fn, ...args);

  it('counts executed tasks and cache hits of a runner, and compares task gates without the CI rows', async () => {
    const summary = await compare('summarizeShard', {
      tasks: [
        { id: 'a:test', attempts: ['success'], outcome: 'passed' },
        { id: 'b:test', attempts: ['remote-cache'], outcome: 'passed' },
        { id: 'c:lint', attempts: ['local-cache-kept-existing'], outcome: 'passed' },
        { id: 'd:lint', attempts: ['failure'], outcome: 'failed' },
      ],
    });
    expect(summary).toEqual({
      outcomes: { 'a:test': 'passed', 'b:test': 'passed', 'c:lint': 'passed', 'd:lint': 'failed' },
      executed: ['a:test', 'd:lint'],
      remoteHits: 1,
      localHits: 1,
      failed: 1,
    });
    const keys = await compare('gateKeys', [
      { project: 'ci', gate: 'shard 1', passed: true },
      { project: 'web', gate: 'coverage', passed: false },
    ]);
    expect(keys).toEqual(['web | coverage | FAIL']);
    expect(await compare('difference', ['a', 'b'], ['b', 'c'])).toEqual({ onlyA: ['a'], onlyB: ['c'] });
  });
});

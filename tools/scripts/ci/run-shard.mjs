#!/usr/bin/env node
// Runs one shard of a plan (plan.mjs --out): its tasks as a few `nx run-many` invocations (planner's
// runGroups), then retries, once, each failed task that the run history knows as flaky (together
// with the shard's tasks that were skipped because it failed), and applies the quarantine list.
// Writes reports/ci/shard-<n>/shard.json (every task: status, cache, attempts, outcome) and
// gate-results.json (one row for the shard, one per retry, quarantined or failed task: the gates
// table shows them), appends the same to $GITHUB_STEP_SUMMARY, and exits 1 when a task failed that
// is not quarantined. Shard numbers are 1-based, as the CI matrix shows them.
//
//   node tools/scripts/ci/run-shard.mjs --plan plan.json --shard 2 [--history ci/history.json]
//                                        [--quarantine ci/quarantine.yaml] [--parallel 2]
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flakyTasks, parseOptions, readHistory, readRunRecords, writeJson } from './history.mjs';
import { runGroups, runManyArgs } from './planner.mjs';
import { QUARANTINE_FILE, readQuarantine } from './quarantine.mjs';
import { nxCommand } from '../workspace-tools.mjs';

const PASSED = new Set(['success', 'local-cache', 'local-cache-kept-existing', 'remote-cache']);

/** The last result of each task in some run records: { id: task record }. */
export function lastResults(records) {
  const results = {};
  for (const record of [...records].sort((a, b) => a.startTime - b.startTime)) {
    for (const task of record.tasks) results[task.id] = task;
  }
  return results;
}

/**
 * What to retry after a first attempt: each failed task known as flaky, plus the shard's tasks
 * that depend on it (Nx skipped them). Pure.
 */
export function retrySet({ tasks, dependencies, first, flaky }) {
  const retry = new Set(tasks.filter((id) => first[id]?.status === 'failure' && flaky[id]));
  let grew = retry.size > 0;
  while (grew) {
    grew = false;
    for (const id of tasks) {
      if (retry.has(id) || PASSED.has(first[id]?.status)) continue;
      if ((dependencies[id] ?? []).some((dep) => retry.has(dep))) {
        retry.add(id);
        grew = true;
      }
    }
  }
  return tasks.filter((id) => retry.has(id));
}

/**
 * Each task's outcome: passed, passed on retry, quarantined (failed, does not block) or failed.
 * `first`/`second`: lastResults of the attempts; `quarantine`: checked entries. Pure.
 */
export function shardOutcome({ tasks, first, second = {}, flaky = {}, quarantine = [] }) {
  const quarantined = new Map(quarantine.map((entry) => [entry.task, entry]));
  const outcomes = tasks.map((id) => {
    const attempts = [first[id], second[id]].filter(Boolean);
    const last = attempts.at(-1);
    const entry = {
      id,
      status: last?.status ?? 'not run',
      hash: last?.hash ?? null,
      attempts: attempts.map(({ status }) => status),
      executed: attempts.filter(({ status }) => status === 'success' || status === 'failure').length,
      ...(flaky[id] ? { flaky: flaky[id] } : {}),
    };
    if (PASSED.has(entry.status)) return { ...entry, outcome: attempts.length > 1 ? 'passed on retry' : 'passed' };
    if (quarantined.has(id)) return { ...entry, outcome: 'quarantined', quarantine: quarantined.get(id) };
    return { ...entry, outcome: 'failed' };
  });
  return { tasks: outcomes, blocking: outcomes.some(({ outcome }) => outcome === 'failed') };
}

const projectOf = (id) => id.slice(0, id.indexOf(':'));
const targetOf = (id) => id.slice(id.indexOf(':') + 1);

/** Gate rows (gates-summary.mjs) for one shard: the shard itself, and each retry, quarantine and failure. */
export function gateRows(outcome, shard, report) {
  const count = (name) => outcome.tasks.filter((t) => t.outcome === name).length;
  const ran = outcome.tasks.reduce((sum, t) => sum + t.executed, 0);
  const cached = outcome.tasks.filter((t) => t.attempts[0] && !['success', 'failure'].includes(t.attempts[0])).length;
  const rows = [
    {
      project: 'ci',
      gate: `shard ${shard}`,
      measured: `${outcome.tasks.length} tasks: ${ran} runs, ${cached} from cache, ${count('passed on retry')} passed on retry, ${count('quarantined')} quarantined, ${count('failed')} failed`,
      threshold: 'no failed task outside the quarantine',
      passed: !outcome.blocking,
      report,
    },
  ];
  for (const task of outcome.tasks) {
    if (task.attempts.length > 1) {
      rows.push({
        project: projectOf(task.id),
        gate: `retry ${targetOf(task.id)}`,
        measured: task.attempts.join(' then '),
        threshold: task.flaky
          ? `one retry: known flaky (inputs ${task.flaky.hash} passed ${task.flaky.passed}x, failed ${task.flaky.failed}x)`
          : 'one retry: a dependency was retried',
        passed: task.outcome !== 'failed',
        report,
      });
    }
    if (task.outcome === 'quarantined') {
      rows.push({
        project: projectOf(task.id),
        gate: `quarantined ${targetOf(task.id)}`,
        measured: `${task.status} (does not block until ${task.quarantine.expires})`,
        threshold: task.quarantine.reason,
        passed: true,
        reason: 'quarantined',
        report,
      });
    }
    if (task.outcome === 'failed') {
      rows.push({
        project: projectOf(task.id),
        gate: `task ${targetOf(task.id)}`,
        measured: task.status,
        threshold: 'success',
        passed: false,
        reason: `${task.id} ${task.status === 'not run' ? 'has no result (Nx did not run it)' : task.status}`,
        report,
      });
    }
  }
  return rows;
}

function runNx(args, env) {
  const [command, argv] = nxCommand(args);
  console.log(`[shard] nx ${args.join(' ')}`);
  const run = spawnSync(command, argv, { stdio: 'inherit', env });
  if (run.error) throw new Error(`could not start nx: ${run.error.message}. Run \`npm run setup\` first.`);
  return run.status;
}

function main(argv) {
  const { options } = parseOptions(argv);
  const planFile = options.plan?.[0];
  const shardNumber = Number(options.shard?.[0]);
  if (!planFile || !Number.isInteger(shardNumber) || shardNumber < 1) {
    throw new Error(
      'usage: run-shard.mjs --plan <plan.json> --shard <n, 1-based> [--history <file>] [--quarantine <file>]',
    );
  }
  const plan = JSON.parse(readFileSync(planFile, 'utf8'));
  const shard = plan.shards[shardNumber - 1];
  if (!shard) throw new Error(`${planFile} has ${plan.shards.length} shards, not ${shardNumber}`);
  const parallel = Number(options.parallel?.[0] ?? 2);
  // The plan carries the flaky tasks of the history it was made from; --history overrides.
  const flaky = options.history ? flakyTasks(readHistory(options.history[0])) : (plan.flaky ?? {});
  const { entries: quarantine, problems } = readQuarantine(options.quarantine?.[0] ?? QUARANTINE_FILE);
  for (const problem of problems) console.error(`[shard] ${problem}`);

  const out = join('reports', 'ci', `shard-${shardNumber}`);
  rmSync(out, { recursive: true, force: true });
  const attempt = (n, ids) => {
    const dir = join(out, 'runs', `attempt-${n}`);
    const env = { NX_DAEMON: 'false', NX_TUI: 'false', ...process.env, NX_RUN_RESULTS_DIR: dir };
    for (const group of runGroups(ids, plan.dependencies)) runNx(runManyArgs(group, { parallel }), env);
    return lastResults(readRunRecords([dir]));
  };
  console.log(`[shard] shard ${shardNumber}/${plan.shards.length}: ${shard.tasks.length} tasks`);
  const first = shard.tasks.length ? attempt(1, shard.tasks) : {};
  const retry = retrySet({ tasks: shard.tasks, dependencies: plan.dependencies, first, flaky });
  if (retry.length) console.log(`[shard] retrying once (known flaky, and what they hold up): ${retry.join(' ')}`);
  const second = retry.length ? attempt(2, retry) : {};
  const outcome = shardOutcome({ tasks: shard.tasks, first, second, flaky, quarantine });
  const report = join(out, 'shard.json');
  writeJson(report, { shard: shardNumber, shards: plan.shards.length, ...outcome });
  const rows = gateRows(outcome, shardNumber, report);
  if (problems.length) {
    rows.push({
      project: 'ci',
      gate: 'quarantine list',
      measured: `${problems.length} problem(s)`,
      threshold: 'every entry has a reason and an unexpired date',
      passed: false,
      reason: problems.join('; '),
      report: options.quarantine?.[0] ?? QUARANTINE_FILE,
    });
  }
  writeJson(join(out, 'gate-results.json'), rows);
  const notable = outcome.tasks.filter(({ outcome: o }) => o !== 'passed');
  for (const task of notable)
    console.log(`[shard] ${task.id}: ${task.outcome} (${task.attempts.join(' then ') || 'no result'})`);
  if (process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      [
        `### Shard ${shardNumber}/${plan.shards.length}: ${rows[0].measured}`,
        '',
        ...notable.map((t) => `- \`${t.id}\`: ${t.outcome} (${t.attempts.join(' then ') || 'no result'})`),
        '',
      ].join('\n'),
    );
  }
  return outcome.blocking || problems.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`run-shard: ${error.message}`);
    process.exitCode = 1;
  }
}

#!/usr/bin/env node
// The sharded CI's last step: reads every shard's reports/ci/shard-<n>/shard.json against the plan,
// checks that each planned task has a result in the shard it was planned in and that no task
// executed in two shards (replicated dependencies excepted, and counted), prints the union and the
// JUnit totals (junit-summary.mjs), writes the updated run history, and adds one gate row
// (reports/ci/gate-results.json) that gates-summary.mjs shows with the others. Exits 1 when a shard
// is missing or failed, or a task ran twice.
//
//   node tools/scripts/ci/merge-shards.mjs --plan plan.json [--reports reports]
//                                          [--history ci/history.json --history-out reports/ci/history.json]
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addRuns, parseOptions, readHistory, readRunRecords, writeJson } from './history.mjs';
import { formatSummary, summarizeReports } from '../junit-summary.mjs';

/**
 * The union of the shards' outcomes against the plan (pure): { tasks: { id: outcome }, problems,
 * executed: { id: count }, replicatedRuns }. `shardReports[i]` is shard i+1's shard.json or null.
 */
export function mergeShards(plan, shardReports) {
  const problems = [];
  const tasks = {};
  const executed = {};
  const replicated = new Set(plan.shards.flatMap((shard) => shard.replicated));
  for (const [index, shard] of plan.shards.entries()) {
    if (shard.tasks.length === 0) continue;
    const report = shardReports[index];
    if (!report) {
      problems.push(`shard ${index + 1}: no shard.json (the shard did not run, or its reports were not uploaded)`);
      continue;
    }
    const got = new Map(report.tasks.map((task) => [task.id, task]));
    for (const task of report.tasks) {
      const ran = task.attempts[0] === 'success' || task.attempts[0] === 'failure';
      executed[task.id] = (executed[task.id] ?? 0) + (ran ? 1 : 0);
    }
    for (const id of shard.tasks) {
      const task = got.get(id);
      if (!task) {
        problems.push(`shard ${index + 1}: planned task ${id} has no result`);
        continue;
      }
      const previous = tasks[id];
      // A replicated task counts as failed if any of its shards failed it.
      if (!previous || previous.outcome === 'passed') tasks[id] = task;
    }
    for (const id of got.keys())
      if (!shard.tasks.includes(id)) problems.push(`shard ${index + 1}: ran ${id}, not in its plan`);
  }
  const twice = Object.entries(executed).filter(([id, count]) => count > 1 && !replicated.has(id));
  for (const [id, count] of twice) problems.push(`${id} executed in ${count} shards`);
  const replicatedRuns = Object.entries(executed).filter(([id, count]) => count > 1 && replicated.has(id)).length;
  return { tasks, problems, executed, replicatedRuns };
}

export function mergeRow(plan, merged, report) {
  const outcomes = Object.values(merged.tasks);
  const count = (name) => outcomes.filter(({ outcome }) => outcome === name).length;
  const runs = Object.values(merged.executed).reduce((sum, n) => sum + n, 0);
  const cached = outcomes.filter((t) => t.attempts[0] && !['success', 'failure'].includes(t.attempts[0])).length;
  const failed = count('failed');
  return {
    project: 'ci',
    gate: 'sharded run',
    measured: `${outcomes.length} tasks in ${plan.shards.length} shards: ${runs} executed, ${cached} from cache, ${count('passed on retry')} passed on retry, ${count('quarantined')} quarantined, ${failed} failed${merged.problems.length ? `; ${merged.problems.length} problem(s)` : ''}`,
    threshold: 'every planned task ran once and passed (or is quarantined)',
    passed: failed === 0 && merged.problems.length === 0,
    ...(merged.problems.length ? { reason: merged.problems.join('; ') } : {}),
    report,
  };
}

function main(argv) {
  const { options } = parseOptions(argv);
  const one = (name) => options[name]?.at(-1);
  if (!one('plan'))
    throw new Error(
      'usage: merge-shards.mjs --plan <plan.json> [--reports <dir>] [--history <in> --history-out <out>]',
    );
  const plan = JSON.parse(readFileSync(one('plan'), 'utf8'));
  const reports = one('reports') ?? 'reports';
  const shardReports = plan.shards.map((_, index) => {
    const file = join(reports, 'ci', `shard-${index + 1}`, 'shard.json');
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  });
  const merged = mergeShards(plan, shardReports);
  const report = join(reports, 'ci', 'merged.json');
  writeJson(report, merged);
  const row = mergeRow(plan, merged, report);
  writeJson(join(reports, 'ci', 'gate-results.json'), [row]);
  console.log(`[merge] ${row.measured}`);
  for (const problem of merged.problems) console.error(`[merge] ${problem}`);
  const notable = Object.values(merged.tasks).filter(({ outcome }) => outcome !== 'passed');
  for (const task of notable) console.log(`[merge] ${task.id}: ${task.outcome} (${task.attempts.join(' then ')})`);

  if (one('history-out')) {
    const records = readRunRecords(plan.shards.map((_, index) => join(reports, 'ci', `shard-${index + 1}`, 'runs')));
    writeJson(one('history-out'), addRuns(readHistory(one('history')), records));
    console.log(`[merge] run history with ${records.length} run record(s) of this run -> ${one('history-out')}`);
  }
  const { text, total } = formatSummary(summarizeReports(reports));
  console.log(`\n${text}\n\nJUnit: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  if (process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      [
        `## Sharded run: ${row.passed ? 'passed' : 'FAILED'}`,
        '',
        row.measured,
        '',
        ...merged.problems.map((p) => `- ${p}`),
        ...notable.map((t) => `- \`${t.id}\`: ${t.outcome} (${t.attempts.join(' then ')})`),
        '',
        `### Tests (JUnit): ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`,
        '',
        '```',
        text,
        '```',
        '',
      ].join('\n'),
    );
  }
  return row.passed && total.failed === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`merge-shards: ${error.message}`);
    process.exitCode = 1;
  }
}

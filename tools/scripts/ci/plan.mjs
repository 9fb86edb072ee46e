#!/usr/bin/env node
// Prints (and writes) the sharded CI's plan: the affected tasks of the gate targets from Nx's task
// graph, their predicted durations from the run history, and N balanced shards (planner.mjs).
//
//   npm run plan -- --base=main --shards=3                 # affected since main (working tree)
//   node tools/scripts/ci/plan.mjs --all --shards=4          # every project (run-many)
//   node tools/scripts/ci/plan.mjs --base=$NX_BASE --head=$NX_HEAD --shards=3 --out=plan.json --github-output
//
// Options: --targets=lint,test,... (default: the CI targets), --history=<file> (default
// ci/history.json), --exclude=<projects> (left out), --graph-file=<json> (plan from a saved `--graph=stdout` output instead of asking
// Nx), --save-graph=<json>, --out=<plan.json>, --quiet (no task lists), --github-output (writes
// `shards`, the JSON list of non-empty shard numbers, to $GITHUB_OUTPUT).
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flakyTasks, measuredDurations, parseOptions, readHistory, writeJson } from './history.mjs';
import { CI_TARGETS, estimateDurations, formatPlan, graphTargets, planShards, tasksFromGraph } from './planner.mjs';
import { readQuarantine } from './quarantine.mjs';
import { nxCommand } from '../workspace-tools.mjs';

export const HISTORY_FILE = 'ci/history.json';

/** The task graph JSON of Nx for the targets: affected (through affected.mjs, uv.lock-aware) or every project. */
function taskGraph({ all, base, head, targets, exclude }) {
  const graphArgs = ['-t', ...graphTargets(targets), '--graph=stdout', ...(exclude ? [`--exclude=${exclude}`] : [])];
  const [command, args] = all
    ? nxCommand(['run-many', ...graphArgs])
    : [
        process.execPath,
        [
          fileURLToPath(new URL('../affected.mjs', import.meta.url)),
          ...graphArgs,
          ...(base ? [`--base=${base}`] : []),
          ...(head ? [`--head=${head}`] : []),
        ],
      ];
  const run = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { NX_DAEMON: 'false', ...process.env },
  });
  if (run.status !== 0) throw new Error(`could not get the task graph from Nx (exit ${run.status}): see above`);
  // Nx may print notices before the JSON.
  return JSON.parse(run.stdout.slice(run.stdout.indexOf('{')));
}

function main(argv) {
  const { options } = parseOptions(argv);
  const one = (name) => options[name]?.at(-1);
  const shards = Number(one('shards') ?? 3);
  const targets = one('targets') ? one('targets').split(',') : CI_TARGETS;
  const historyFile = one('history') ?? HISTORY_FILE;
  const { problems } = readQuarantine();
  if (problems.length) {
    for (const problem of problems) console.error(`plan: ${problem}`);
    return 1;
  }
  const graph = one('graph-file')
    ? JSON.parse(readFileSync(one('graph-file'), 'utf8'))
    : taskGraph({ all: one('all') === 'true', base: one('base'), head: one('head'), targets, exclude: one('exclude') });
  if (one('save-graph')) writeFileSync(one('save-graph'), JSON.stringify(graph));
  const { tasks, dependencies } = tasksFromGraph(graph);
  const history = readHistory(historyFile);
  const { durations, sources } = estimateDurations(tasks, measuredDurations(history));
  const plan = planShards({ tasks, dependencies, durations, shards });
  const flaky = flakyTasks(history);
  console.log(formatPlan(plan, { sources, durations, listTasks: one('quiet') !== 'true' }));
  const known = Object.values(sources).filter((source) => source === 'measured').length;
  console.log(
    `durations: ${known}/${tasks.length} measured in ${historyFile}, the rest estimated (median of their target)`,
  );
  if (Object.keys(flaky).length) console.log(`known flaky (retried once on failure): ${Object.keys(flaky).join(' ')}`);
  if (one('out')) {
    writeJson(one('out'), { targets, ...plan, dependencies, durations, sources, flaky });
  }
  if (one('github-output') === 'true' && process.env.GITHUB_OUTPUT) {
    const numbers = plan.shards.filter(({ tasks: list }) => list.length > 0).map(({ index }) => index + 1);
    appendFileSync(process.env.GITHUB_OUTPUT, `shards=${JSON.stringify(numbers)}\n`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`plan: ${error.message}`);
    process.exitCode = 1;
  }
}

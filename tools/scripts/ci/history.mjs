// The sharded CI's run history: per task its recent durations and its recent (inputs hash, result)
// pairs, built from the run records run-results-plugin.cjs writes after each Nx command. The
// planner reads durations from it; a task is flaky when one inputs hash both passed and failed.
// CI keeps it as the `ci-history` artifact of main (ci.yml's merge job); ci/history.json in the
// repository is the seed used until main has uploaded one.
//
//   node tools/scripts/ci/history.mjs update --history <in.json> --runs <dir> [--runs <dir> ...] --out <out.json>
//   node tools/scripts/ci/history.mjs flaky --history <file>
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './planner.mjs';

export const HISTORY_VERSION = 1;
/** How many recent durations and results a task keeps: enough for a median and a flaky pair. */
export const KEEP_DURATIONS = 10;
export const KEEP_RUNS = 30;
/** Results that mean the task really executed (a cache hit replays an earlier run). */
const EXECUTED = new Set(['success', 'failure']);

export function emptyHistory() {
  return { version: HISTORY_VERSION, tasks: {} };
}

/** Checks the shape of a history file's content; throws naming the file and the fix. */
export function checkHistory(data, file = 'history') {
  if (data?.version !== HISTORY_VERSION || typeof data.tasks !== 'object' || data.tasks === null) {
    throw new Error(
      `${file} is not a run history (version ${HISTORY_VERSION} with a "tasks" object). Delete it to start a new one, or pass the ci-history artifact of main.`,
    );
  }
  return data;
}

/**
 * The history with the tasks of some run records added (records as run-results-plugin.cjs writes
 * them: { tasks: [{ id, hash, status, startTime, endTime }] }). Only executed tasks count: their
 * duration and their (hash, status). `at` is the record's end time. Pure: returns a new object.
 */
export function addRuns(history, records) {
  const tasks = structuredClone(history.tasks);
  const ordered = [...records].sort((a, b) => a.startTime - b.startTime);
  for (const record of ordered) {
    for (const task of record.tasks) {
      if (!EXECUTED.has(task.status) || !task.hash) continue;
      const entry = tasks[task.id] ?? { durations: [], runs: [] };
      if (Number.isFinite(task.startTime) && Number.isFinite(task.endTime) && task.endTime >= task.startTime) {
        entry.durations = [...entry.durations, task.endTime - task.startTime].slice(-KEEP_DURATIONS);
      }
      entry.runs = [
        ...entry.runs,
        { hash: task.hash, status: task.status, at: new Date(task.endTime ?? record.endTime).toISOString() },
      ].slice(-KEEP_RUNS);
      tasks[task.id] = entry;
    }
  }
  return {
    version: HISTORY_VERSION,
    tasks: Object.fromEntries(Object.entries(tasks).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** { id: ms }: each task's median recent duration, for the planner. */
export function measuredDurations(history) {
  const measured = {};
  for (const [id, { durations }] of Object.entries(history.tasks)) {
    const value = median(durations);
    if (value !== undefined) measured[id] = value;
  }
  return measured;
}

/**
 * Tasks that both passed and failed on the same inputs hash: { id: { hash, passed, failed } } (the
 * newest such hash). Same inputs, different result: the task, not the change, decided the outcome.
 */
export function flakyTasks(history) {
  const flaky = {};
  for (const [id, { runs }] of Object.entries(history.tasks)) {
    const byHash = new Map();
    for (const { hash, status } of runs) {
      const counts = byHash.get(hash) ?? { passed: 0, failed: 0 };
      counts[status === 'success' ? 'passed' : 'failed'] += 1;
      byHash.set(hash, counts);
    }
    for (const [hash, counts] of byHash) if (counts.passed > 0 && counts.failed > 0) flaky[id] = { hash, ...counts };
  }
  return flaky;
}

/** Every run record (run-*.json) in the given folders. */
export function readRunRecords(dirs) {
  const records = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir, { recursive: true }).map(String).sort()) {
      if (/(^|\/)run-[^/]*\.json$/.test(file)) records.push(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    }
  }
  return records;
}

export function readHistory(file) {
  if (!file || !existsSync(file)) return emptyHistory();
  return checkHistory(JSON.parse(readFileSync(file, 'utf8')), file);
}

export function writeJson(file, data) {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** Repeated `--name value` / `--name=value` options: { name: [values] }, plus the positionals. */
export function parseOptions(argv) {
  const options = {};
  const positionals = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, ...inline] = arg.slice(2).split('=');
    const next = argv[i + 1];
    const value = inline.length ? inline.join('=') : next !== undefined && !next.startsWith('--') ? argv[++i] : 'true';
    options[name] = [...(options[name] ?? []), value];
  }
  return { options, positionals };
}

function main(argv) {
  const { options, positionals } = parseOptions(argv);
  const history = readHistory(options.history?.[0]);
  if (positionals[0] === 'update') {
    if (!options.out) throw new Error('update needs --out <file>');
    const records = readRunRecords(options.runs ?? []);
    const updated = addRuns(history, records);
    writeJson(options.out[0], updated);
    console.log(
      `history: ${records.length} run record(s) added, ${Object.keys(updated.tasks).length} tasks known -> ${options.out[0]}`,
    );
    return 0;
  }
  if (positionals[0] === 'flaky') {
    const flaky = flakyTasks(history);
    for (const [id, { hash, passed, failed }] of Object.entries(flaky))
      console.log(`${id}  hash ${hash}: passed ${passed}x, failed ${failed}x`);
    if (Object.keys(flaky).length === 0) console.log('no flaky task in the history');
    return 0;
  }
  throw new Error('usage: history.mjs update --history <in> --runs <dir> --out <out> | flaky --history <file>');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`history: ${error.message}`);
    process.exitCode = 1;
  }
}

// An Nx plugin with one hook and no project inference: after every `nx run`/`run-many`/`affected`,
// when NX_RUN_RESULTS_DIR is set, it writes what Nx ran as one JSON file in that folder: per task
// its id, inputs hash, status (success, failure, local-cache, remote-cache, ...), exit code and
// start/end times. That is the run history the sharded CI plans from (durations) and finds flaky
// tasks in (a hash that both passed and failed). Nx's public plugin API hands the hook these
// results (`postTasksExecution`, Nx >= 20.8); Nx's own task history (.nx/workspace-data/*.db) lives
// on one machine, a CI runner's is gone when the job ends. Unset (local runs), it does nothing.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

/** The record of one Nx command's tasks, from Nx's TaskResults (pure: tested without Nx). */
function runRecord(context) {
  const tasks = Object.values(context.taskResults)
    .map(({ task, status, code }) => ({
      id: task.id,
      project: task.target.project,
      target: task.target.target,
      ...(task.target.configuration ? { configuration: task.target.configuration } : {}),
      hash: task.hash ?? null,
      status,
      code,
      cache: task.cache === true,
      startTime: task.startTime ?? null,
      endTime: task.endTime ?? null,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return { id: context.id, argv: context.argv, startTime: context.startTime, endTime: context.endTime, tasks };
}

async function postTasksExecution(_options, context) {
  const dir = process.env.NX_RUN_RESULTS_DIR;
  if (!dir) return;
  const folder = resolve(context.workspaceRoot, dir);
  mkdirSync(folder, { recursive: true });
  const record = runRecord(context);
  const file = join(folder, `run-${record.startTime}-${process.pid}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

exports.name = 'ci-run-results';
exports.postTasksExecution = postTasksExecution;
exports.runRecord = runRecord;

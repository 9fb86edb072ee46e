#!/usr/bin/env node
// The comparison and table of prove-shards.sh (read that script first): the plans for N = 1..4, the
// runs (single runner, each shard, the verifying runner), and the checks: the shards' union equals
// the single runner (same tasks, same outcomes, same gate results), no task executed in two shards,
// and the verifying runner executed nothing (every task a remote cache hit). Exits 1 when a check fails.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGateResults } from '../gates-summary.mjs';
import { parseOptions } from './history.mjs';

const EXECUTED = new Set(['success', 'failure']);

/** { id: outcome } and run counts of one runner's shard.json. */
export function summarizeShard(shard) {
  const first = (task) => task.attempts[0] ?? 'not run';
  return {
    outcomes: Object.fromEntries(shard.tasks.map((task) => [task.id, task.outcome])),
    executed: shard.tasks.filter((task) => EXECUTED.has(first(task))).map((task) => task.id),
    remoteHits: shard.tasks.filter((task) => first(task) === 'remote-cache').length,
    localHits: shard.tasks.filter((task) => first(task).startsWith('local-cache')).length,
    failed: shard.tasks.filter((task) => task.outcome === 'failed').length,
  };
}

/** The task gates (not the CI's own rows) as comparable strings: project, gate, pass/fail. */
export function gateKeys(results) {
  return results
    .filter((result) => result.project !== 'ci')
    .map((result) => `${result.project} | ${result.gate} | ${result.passed ? 'pass' : 'FAIL'}`)
    .sort();
}

/** Differences between two sorted lists, as { onlyA, onlyB }. */
export function difference(a, b) {
  const setB = new Set(b);
  const setA = new Set(a);
  return { onlyA: a.filter((x) => !setB.has(x)), onlyB: b.filter((x) => !setA.has(x)) };
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function main(argv) {
  const { options } = parseOptions(argv);
  const work = options.work[0];
  const shards = Number(options.shards[0]);
  const pairs = (text) =>
    Object.fromEntries(
      (text ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('=')),
    );
  const walls = pairs(options.walls?.[0]);
  const codes = pairs(options.codes?.[0]);
  const read = (file) => JSON.parse(readFileSync(file, 'utf8'));
  const s = (ms) => `${(ms / 1000).toFixed(1)}s`;
  const failures = [];

  const plans = [1, 2, 3, 4]
    .filter((n) => existsSync(join(work, `plan-${n}.json`)))
    .map((n) => {
      const plan = read(join(work, `plan-${n}.json`));
      return [
        n,
        new Set(plan.shards.flatMap((x) => x.tasks)).size,
        plan.shards.map((x) => s(x.predictedMs)).join(' / '),
        s(plan.idealMs),
        s(plan.longestMs),
        plan.balance.toFixed(2),
      ];
    });
  console.log(
    `\nPlans (predicted from ci/history.json):\n${table(['N', 'tasks', 'shards (predicted)', 'ideal', 'longest', 'balance'], plans)}`,
  );

  const plan = read(join(work, `plan-${shards}.json`));
  const runner = (name) => {
    const file = join(
      work,
      name,
      'reports',
      'ci',
      'shard-' + (name.startsWith('shard-') ? name.slice(6) : '1'),
      'shard.json',
    );
    if (!existsSync(file)) {
      failures.push(`${name}: no shard.json (${relative(work, file)}): the run did not finish`);
      return null;
    }
    return {
      shard: read(file),
      summary: summarizeShard(read(file)),
      gates: readGateResults(join(work, name, 'reports')).results,
    };
  };
  const single = runner('single');
  const parts = Array.from({ length: shards }, (_, i) => runner(`shard-${i + 1}`));
  const verify = runner('verify');
  const rows = [];
  const row = (name, run, predicted) =>
    run &&
    rows.push([
      name,
      run.shard.tasks.length,
      run.summary.executed.length,
      run.summary.remoteHits,
      run.summary.localHits,
      run.summary.failed,
      predicted ?? '',
      `${walls[name] ?? '?'}s`,
      codes[name] ?? '?',
    ]);
  row('single', single, s(read(join(work, 'plan-1.json')).longestMs));
  parts.forEach((run, i) => row(`shard-${i + 1}`, run, s(plan.shards[i].predictedMs)));
  row('verify', verify, '');
  console.log(
    `\nRuns (each in its own fresh clone; shards and verify share one cache server):\n${table(['runner', 'tasks', 'executed', 'remote hits', 'local hits', 'failed', 'predicted', 'wall', 'exit'], rows)}`,
  );

  if (single && parts.every(Boolean)) {
    const union = Object.assign({}, ...parts.map((p) => p.summary.outcomes));
    const a = Object.entries(single.summary.outcomes)
      .map(([id, o]) => `${id} ${o}`)
      .sort();
    const b = Object.entries(union)
      .map(([id, o]) => `${id} ${o}`)
      .sort();
    const tasksDiff = difference(a, b);
    if (tasksDiff.onlyA.length || tasksDiff.onlyB.length)
      failures.push(
        `tasks differ: single only ${tasksDiff.onlyA.join(', ') || '-'}; shards only ${tasksDiff.onlyB.join(', ') || '-'}`,
      );
    const gatesDiff = difference(gateKeys(single.gates), gateKeys(parts.flatMap((p) => p.gates)));
    if (gatesDiff.onlyA.length || gatesDiff.onlyB.length)
      failures.push(
        `gates differ: single only ${gatesDiff.onlyA.join('; ') || '-'}; shards only ${gatesDiff.onlyB.join('; ') || '-'}`,
      );
    const counts = new Map();
    for (const p of parts) for (const id of p.summary.executed) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    if (twice.length) failures.push(`executed in more than one shard: ${twice.join(', ')}`);
    console.log(
      `\nUnion of ${shards} shards vs single runner: ${b.length} vs ${a.length} tasks, ${gateKeys(parts.flatMap((p) => p.gates)).length} vs ${gateKeys(single.gates).length} task gate results, ${tasksDiff.onlyA.length + tasksDiff.onlyB.length + gatesDiff.onlyA.length + gatesDiff.onlyB.length} differences; tasks executed in two shards: ${twice.length}`,
    );
  }
  if (verify && single) {
    // Nx never caches a failed task: those (and only those) run again.
    const failedInSingle = new Set(
      Object.entries(single.summary.outcomes)
        .filter(([, o]) => o === 'failed')
        .map(([id]) => id),
    );
    const rerun = verify.summary.executed.filter((id) => !failedInSingle.has(id));
    console.log(
      `Verifying runner: ${verify.summary.executed.length} of ${verify.shard.tasks.length} tasks executed (${failedInSingle.size} failed in the single run and are never cached), ${verify.summary.remoteHits} remote cache hits`,
    );
    if (rerun.length) failures.push(`the verifying runner executed ${rerun.join(', ')} (expected cache hits)`);
  }
  // A runner fails exactly when one of its tasks failed outside the quarantine.
  const runs = { single, verify, ...Object.fromEntries(parts.map((p, i) => [`shard-${i + 1}`, p])) };
  for (const [name, run] of Object.entries(runs)) {
    if (!run || codes[name] === undefined) continue;
    const expected = run.summary.failed > 0 ? '1' : '0';
    if (codes[name] !== expected)
      failures.push(`${name} exited ${codes[name]} with ${run.summary.failed} failed task(s)`);
  }
  if (codes.merge !== undefined) {
    const anyFailed = parts.some((p) => p && p.summary.failed > 0);
    if (codes.merge !== (anyFailed ? '1' : '0')) failures.push(`merge exited ${codes.merge}`);
  }
  if (failures.length) {
    console.log(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    return 1;
  }
  console.log(
    '\nPASSED: same tasks, same outcomes, same gate results; no task executed twice; each runner failed exactly when a task failed',
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}

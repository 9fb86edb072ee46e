// The sharded CI's planner: pure functions from Nx's task graph and the run history to N shards.
// plan.mjs is the command around them (it asks Nx for the graph and prints the plan); run-shard.mjs
// runs one shard's part of the plan. No I/O here, so every rule is unit-tested on small graphs.
//
// Dependencies. A task runs after its dependsOn tasks; shards run at the same time, so a shard
// cannot wait for another. Tasks linked by dependencies (a connected component of the task graph)
// stay in one shard, where Nx orders them. A component that alone is longer than the ideal shard
// (total / N) is split by its sinks (the tasks nothing else in it depends on): each sink takes its
// dependency closure along, so a dependency several sinks share is replicated into each shard that
// needs it. Replicated tasks are listed as such and counted in each shard's predicted time; they are
// cacheable (build), so a shard that starts after another wrote them gets a cache hit, and when the
// shards race both build. Nothing else ever runs in two shards.

/** The gate targets the sharded CI runs (ci.yml's planning job), the issue's list. */
export const CI_TARGETS = ['lint', 'test', 'scan', 'perf', 'typecheck', 'build', 'e2e', 'docker'];

/** The per-file split of e2e suites (@nx/playwright's ciTargetName in nx.json). */
export const E2E_CI_TARGET = 'e2e-ci';

/** The duration of a task when nothing at all has been measured yet. */
export const DEFAULT_DURATION_MS = 60_000;

/** The targets to ask Nx for: `e2e` also asks for its per-file split, where a project has one. */
export function graphTargets(targets) {
  return targets.includes('e2e') && !targets.includes(E2E_CI_TARGET) ? [...targets, E2E_CI_TARGET] : [...targets];
}

const projectOf = (id) => id.slice(0, id.indexOf(':'));
const targetOf = (id) => id.slice(id.indexOf(':') + 1).split(':')[0];

/**
 * The tasks to plan, from `nx run-many|affected -t ... --graph=stdout` output ({ graph, tasks }):
 * { tasks: [{ id, project, target }], dependencies: { id: [ids] } }.
 * - A project with a per-file e2e split runs its `e2e-ci--<file>` tasks, not its whole `e2e`.
 * - Tasks whose executor is `nx:noop` (the `e2e-ci` aggregate) are dropped; their dependents take
 *   over their dependencies, so the split files are planned one by one.
 */
export function tasksFromGraph(nxGraph) {
  const nodes = nxGraph.graph?.nodes ?? {};
  const all = nxGraph.tasks.tasks;
  const deps = nxGraph.tasks.dependencies;
  const executor = (id) => nodes[projectOf(id)]?.data?.targets?.[targetOf(id)]?.executor;
  const dropped = new Set(
    Object.keys(all).filter(
      (id) => executor(id) === 'nx:noop' || (targetOf(id) === 'e2e' && all[`${projectOf(id)}:${E2E_CI_TARGET}`]),
    ),
  );
  const resolve = (id, seen = new Set()) => {
    if (!dropped.has(id)) return [id];
    if (seen.has(id)) return [];
    seen.add(id);
    return (deps[id] ?? []).flatMap((dep) => resolve(dep, seen));
  };
  const kept = Object.keys(all)
    .filter((id) => !dropped.has(id))
    .sort();
  // A dropped aggregate that was itself asked for (frontend-e2e:e2e-ci) hands its dependencies in.
  const asked = new Set(kept);
  for (const id of dropped) for (const dep of resolve(id)) asked.add(dep);
  const ids = [...asked].sort();
  const dependencies = Object.fromEntries(
    ids.map((id) => [id, [...new Set((deps[id] ?? []).flatMap((dep) => resolve(dep)))].sort()]),
  );
  return {
    tasks: ids.map((id) => ({ id, project: all[id]?.target.project ?? projectOf(id), target: targetOf(id) })),
    dependencies,
  };
}

export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

/**
 * Predicted duration of each task, in ms: its own measured time (median of its recent runs), else
 * the median of its target's measured tasks ("target median"), else of every measured task
 * ("overall median"), else DEFAULT_DURATION_MS. `measured` is { id: ms }.
 */
export function estimateDurations(tasks, measured) {
  const byTarget = new Map();
  for (const [id, ms] of Object.entries(measured)) {
    byTarget.set(targetOf(id), [...(byTarget.get(targetOf(id)) ?? []), ms]);
  }
  const overall = median(Object.values(measured));
  const durations = {};
  const sources = {};
  for (const { id, target } of tasks) {
    if (measured[id] !== undefined) [durations[id], sources[id]] = [measured[id], 'measured'];
    else if (byTarget.has(target)) [durations[id], sources[id]] = [median(byTarget.get(target)), 'target median'];
    else if (overall !== undefined) [durations[id], sources[id]] = [overall, 'overall median'];
    else [durations[id], sources[id]] = [DEFAULT_DURATION_MS, 'default'];
  }
  return { durations, sources };
}

/** Connected components of the task graph (dependencies in either direction), each sorted, in id order. */
export function components(ids, dependencies) {
  const parent = new Map(ids.map((id) => [id, id]));
  const find = (id) => {
    while (parent.get(id) !== id) {
      parent.set(id, parent.get(parent.get(id)));
      id = parent.get(id);
    }
    return id;
  };
  for (const id of ids) {
    for (const dep of dependencies[id] ?? []) if (parent.has(dep)) parent.set(find(id), find(dep));
  }
  const groups = new Map();
  for (const id of [...ids].sort()) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return [...groups.values()].sort((a, b) => a[0].localeCompare(b[0]));
}

function closure(id, dependencies, inside) {
  const seen = new Set([id]);
  const queue = [id];
  while (queue.length) {
    for (const dep of dependencies[queue.shift()] ?? []) {
      if (inside.has(dep) && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return [...seen].sort();
}

/** The tasks in an order where every dependency comes before its dependents (ties by id). */
export function topologicalOrder(ids, dependencies) {
  const inside = new Set(ids);
  const done = new Set();
  const order = [];
  const visit = (id, path) => {
    if (done.has(id)) return;
    if (path.has(id)) throw new Error(`the task graph has a cycle through ${id}`);
    path.add(id);
    for (const dep of [...(dependencies[id] ?? [])].sort()) if (inside.has(dep)) visit(dep, path);
    path.delete(id);
    done.add(id);
    order.push(id);
  };
  for (const id of [...ids].sort()) visit(id, new Set());
  return order;
}

/**
 * Splits the tasks into `shards` shards by longest processing time first (see the top of this
 * file for dependencies). Returns { shards: [{ index, tasks, predictedMs, replicated }], totalMs
 * (each task once), idealMs (totalMs / shards), longestMs, balance (longest / ideal, 1 is perfect) }.
 */
export function planShards({ tasks, dependencies, durations, shards }) {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a whole number >= 1, got ${shards}`);
  const ids = tasks.map(({ id }) => id);
  const cost = (list) => list.reduce((sum, id) => sum + durations[id], 0);
  const totalMs = cost(ids);
  const idealMs = totalMs / shards;
  const units = [];
  for (const component of components(ids, dependencies)) {
    if (component.length === 1 || cost(component) <= idealMs) {
      units.push(component);
      continue;
    }
    const inside = new Set(component);
    const dependedOn = new Set(component.flatMap((id) => (dependencies[id] ?? []).filter((dep) => inside.has(dep))));
    for (const sink of component.filter((id) => !dependedOn.has(id))) units.push(closure(sink, dependencies, inside));
  }
  units.sort((a, b) => cost(b) - cost(a) || a[0].localeCompare(b[0]));
  const bins = Array.from({ length: shards }, () => new Set());
  const load = (bin) => cost([...bin]);
  for (const unit of units) {
    let best = 0;
    let bestLoad = Infinity;
    for (const [index, bin] of bins.entries()) {
      const after = load(bin) + cost(unit.filter((id) => !bin.has(id)));
      if (after < bestLoad) [best, bestLoad] = [index, after];
    }
    for (const id of unit) bins[best].add(id);
  }
  const seenIn = new Map();
  for (const bin of bins) for (const id of bin) seenIn.set(id, (seenIn.get(id) ?? 0) + 1);
  const planned = bins.map((bin, index) => ({
    index,
    tasks: topologicalOrder([...bin], dependencies),
    predictedMs: load(bin),
    replicated: [...bin].filter((id) => seenIn.get(id) > 1).sort(),
  }));
  const longestMs = Math.max(...planned.map(({ predictedMs }) => predictedMs));
  return { shards: planned, totalMs, idealMs, longestMs, balance: idealMs > 0 ? longestMs / idealMs : 1 };
}

/**
 * How a shard runs its tasks as `nx run-many -t <targets> -p <projects> --excludeTaskDependencies`
 * invocations, each exactly the product of its targets and projects (so nothing outside the shard
 * runs), in an order where a task's dependencies ran in an earlier group or in the same one (Nx
 * orders tasks inside one invocation). Returns [{ targets, projects, tasks }].
 */
export function runGroups(taskIds, dependencies) {
  const inside = new Set(taskIds);
  const level = new Map();
  for (const id of topologicalOrder(taskIds, dependencies)) {
    let mine = 0;
    for (const dep of dependencies[id] ?? []) {
      if (inside.has(dep)) mine = Math.max(mine, level.get(dep) + (targetOf(dep) === targetOf(id) ? 0 : 1));
    }
    level.set(id, mine);
  }
  // level -> target -> projects
  const byLevel = new Map();
  for (const id of taskIds) {
    const targets = byLevel.get(level.get(id)) ?? new Map();
    targets.set(targetOf(id), [...(targets.get(targetOf(id)) ?? []), projectOf(id)]);
    byLevel.set(level.get(id), targets);
  }
  const groups = [];
  for (const lvl of [...byLevel.keys()].sort((a, b) => a - b)) {
    // Targets of one level that run over the same projects share one invocation.
    const byProjects = new Map();
    for (const [target, projects] of [...byLevel.get(lvl)].sort(([a], [b]) => a.localeCompare(b))) {
      const key = [...projects].sort().join(',');
      byProjects.set(key, [...(byProjects.get(key) ?? []), target]);
    }
    for (const [key, targets] of [...byProjects].sort(([a], [b]) => a.localeCompare(b))) {
      const projects = key.split(',');
      groups.push({
        targets,
        projects,
        tasks: targets.flatMap((target) => projects.map((project) => `${project}:${target}`)).sort(),
      });
    }
  }
  return groups;
}

/** `nx` arguments of one run group. */
export function runManyArgs(group, { parallel = 2 } = {}) {
  return [
    'run-many',
    `--targets=${group.targets.join(',')}`,
    `--projects=${group.projects.join(',')}`,
    '--excludeTaskDependencies',
    `--parallel=${parallel}`,
    '--outputStyle=static',
  ];
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** The plan as text: one line per shard, its tasks, and the balance. */
export function formatPlan(plan, { sources = {}, durations = {}, listTasks = true } = {}) {
  const lines = [];
  const count = new Set(plan.shards.flatMap(({ tasks }) => tasks)).size;
  lines.push(
    `${count} tasks, ${plan.shards.length} shard${plan.shards.length === 1 ? '' : 's'}: total ${seconds(plan.totalMs)}, ideal ${seconds(plan.idealMs)} per shard, longest ${seconds(plan.longestMs)}, balance ${plan.balance.toFixed(2)} (longest / ideal)`,
  );
  for (const shard of plan.shards) {
    lines.push(
      `  shard ${shard.index + 1}: ${shard.tasks.length} tasks, predicted ${seconds(shard.predictedMs)}${shard.replicated.length ? `, replicated: ${shard.replicated.join(' ')}` : ''}`,
    );
    if (!listTasks) continue;
    for (const id of shard.tasks) {
      const note = sources[id] && sources[id] !== 'measured' ? ` (${sources[id]})` : '';
      lines.push(`      ${id}  ${durations[id] !== undefined ? seconds(durations[id]) : ''}${note}`);
    }
  }
  return lines.join('\n');
}

#!/usr/bin/env node
// `nx affected` that also reads uv.lock. Nx maps changed files to projects, and a file outside
// every project to the projects whose target inputs name it. uv.lock is no target's input (each
// Python target names its locked packages as pypi: external nodes instead, see
// tools/plugins/core/src/config/uv-lock.ts), so adding a uv member affects only the new project.
// What Nx cannot do alone is tell which projects a changed lock entry reaches: this script
// compares uv.lock at the base and the head, finds the pypi: nodes whose package changed, walks
// the project graph back from them to the projects that lock them, and hands Nx those projects'
// pyproject.toml as changed files too (`--files`). Nx's own dependency walk does the rest.
//
//   node tools/scripts/affected.mjs -t lint test --base=origin/main --head=HEAD [other nx affected flags]
//   node tools/scripts/affected.mjs show projects [--base ...]   # `nx show projects --affected`
//   node tools/scripts/affected.mjs --print-files [--base ...]   # the files it would hand to Nx, one per line
//
// --base defaults to $NX_BASE, else main; --head to $NX_HEAD, else the working tree (with
// uncommitted and untracked files), as `nx affected` does.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { nxCommand, toolPath } from './workspace-tools.mjs';

// The plugin's own reading of uv.lock (TypeScript, loaded as Nx loads the plugin), so what counts
// as a locked package and its identity is defined once.
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { parseUvLock } = require('@customercare/nx-core/src/config/uv-lock.ts');

export const UV_LOCK = 'uv.lock';

/** name -> its locked entries (workspace members left out), each { version, fingerprint }, in a stable order. */
function lockedByName(text, file) {
  const byName = new Map();
  for (const { name, version, fingerprint, memberRoot } of parseUvLock(text, file)) {
    if (memberRoot !== undefined) continue;
    byName.set(
      name,
      [...(byName.get(name) ?? []), { version, fingerprint }].sort((a, b) =>
        a.fingerprint.localeCompare(b.fingerprint),
      ),
    );
  }
  return byName;
}

/** Packages added, removed or changed between two uv.lock texts: [{ name, from, to }] (versions, or null). */
export function changedLockedPackages(baseText, headText) {
  const base = baseText === null ? new Map() : lockedByName(baseText, `${UV_LOCK} (base)`);
  const head = headText === null ? new Map() : lockedByName(headText, UV_LOCK);
  const versions = (entries) => (entries ? entries.map(({ version }) => version).join(', ') : null);
  const fingerprints = (entries) => JSON.stringify(entries?.map(({ fingerprint }) => fingerprint));
  const changed = [];
  for (const name of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    if (fingerprints(base.get(name)) !== fingerprints(head.get(name)))
      changed.push({ name, from: versions(base.get(name)), to: versions(head.get(name)) });
  }
  return changed;
}

/**
 * The projects whose locked packages include a changed one: { project: [package names] }. A
 * project reaches a pypi: node through a graph edge (its own dependencies) or by naming it in a
 * target's `externalDependencies` input (the tools it runs: ruff, pytest, ...), and through that
 * node every package below it. `graph` is Nx's project graph (nodes, externalNodes, dependencies).
 */
export function projectsReachedByPackages(graph, packageNames) {
  const changed = new Set(packageNames);
  const dependents = new Map();
  for (const [source, edges] of Object.entries(graph.dependencies ?? {})) {
    for (const { target } of edges) dependents.set(target, [...(dependents.get(target) ?? []), source]);
  }
  // pypi: node -> the changed packages at or below it.
  const touched = new Map();
  for (const [nodeName, node] of Object.entries(graph.externalNodes ?? {})) {
    if (node.type !== 'pypi' || !changed.has(node.data.packageName)) continue;
    const queue = [nodeName];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const current = queue.shift();
      touched.set(current, new Set([...(touched.get(current) ?? []), node.data.packageName]));
      for (const dependent of dependents.get(current) ?? []) {
        if (!seen.has(dependent) && graph.externalNodes[dependent]) {
          seen.add(dependent);
          queue.push(dependent);
        }
      }
    }
  }
  const reached = {};
  for (const [name, node] of Object.entries(graph.nodes).sort(([a], [b]) => a.localeCompare(b))) {
    const named = Object.values(node.data.targets ?? {}).flatMap((target) =>
      (target.inputs ?? []).flatMap((input) =>
        typeof input === 'object' && Array.isArray(input.externalDependencies) ? input.externalDependencies : [],
      ),
    );
    const linked = (graph.dependencies[name] ?? []).map(({ target }) => target);
    const packages = new Set([...named, ...linked].flatMap((nodeName) => [...(touched.get(nodeName) ?? [])]));
    if (packages.size > 0) reached[name] = [...packages].sort();
  }
  return reached;
}

function git(args, { allowFailure = false } = {}) {
  const result = spawnSync(toolPath('git'), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    if (allowFailure) return null;
    throw new Error(
      `git ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.status}`}. Check that the refs exist (CI: checkout with fetch-depth: 0).`,
    );
  }
  return result.stdout;
}

/** Changed files like `nx affected`: base...head when head is given, else base against the working tree plus untracked files. */
export function changedFilesBetween(base, head) {
  const lines = (text) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  if (head) return lines(git(['diff', '--name-only', '--no-renames', '--relative', `${base}...${head}`]));
  const mergeBase = git(['merge-base', base, 'HEAD']).trim();
  return [
    ...new Set([
      ...lines(git(['diff', '--name-only', '--no-renames', '--relative', mergeBase])),
      ...lines(git(['ls-files', '--others', '--exclude-standard'])),
    ]),
  ];
}

/** uv.lock's change between base and head, and the projects it reaches: { packages, projects }. */
export async function lockChanges(base, head, graph) {
  const mergeBase = git(['merge-base', base, head ?? 'HEAD']).trim();
  const baseText = git(['show', `${mergeBase}:${UV_LOCK}`], { allowFailure: true });
  const headText = head
    ? git(['show', `${head}:${UV_LOCK}`], { allowFailure: true })
    : existsSync(UV_LOCK)
      ? readFileSync(UV_LOCK, 'utf8')
      : null;
  const packages = changedLockedPackages(baseText, headText);
  if (packages.length === 0) return { packages, projects: {} };
  graph ??= await projectGraph();
  return {
    packages,
    projects: projectsReachedByPackages(
      graph,
      packages.map(({ name }) => name),
    ),
  };
}

async function projectGraph() {
  const { createProjectGraphAsync } = await import('@nx/devkit');
  return createProjectGraphAsync({ exitOnError: false });
}

/** The files to hand to `nx affected --files`: the changed ones, plus each lock-reached project's pyproject.toml. */
export async function affectedFiles(base, head, log = () => undefined) {
  const files = changedFilesBetween(base, head);
  if (!files.includes(UV_LOCK)) return files;
  const graph = await projectGraph();
  const { packages, projects } = await lockChanges(base, head, graph);
  const shown = packages
    .slice(0, 5)
    .map(({ name, from, to }) => `${name} ${from ?? '(new)'} -> ${to ?? '(removed)'}`)
    .join(', ');
  log(
    `uv.lock: ${packages.length} locked package${packages.length === 1 ? '' : 's'} changed${shown ? ` (${shown}${packages.length > 5 ? ', ...' : ''})` : ''}; ` +
      `they reach ${Object.keys(projects).length === 0 ? 'no project' : Object.keys(projects).join(', ')}`,
  );
  const extra = Object.keys(projects).map((name) => {
    const root = graph.nodes[name].data.root;
    return root === '.' || root === '' ? 'pyproject.toml' : `${root}/pyproject.toml`;
  });
  return [...new Set([...files, ...extra])];
}

function splitArgs(argv) {
  let base = process.env.NX_BASE;
  let head = process.env.NX_HEAD;
  const rest = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, ...inline] = arg.split('=');
    if (flag !== '--base' && flag !== '--head') {
      rest.push(arg);
      continue;
    }
    const value = inline.length > 0 ? inline.join('=') : argv[++i];
    if (value === undefined || value === '') throw new Error(`${arg} needs a git ref, e.g. ${flag}=origin/main`);
    if (flag === '--base') base = value;
    else head = value;
  }
  return { base: base ?? 'main', head: head || undefined, rest };
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(
      readFileSync(new URL(import.meta.url), 'utf8')
        .split('\n')
        .slice(1, 17)
        .map((line) => line.replace(/^\/\/ ?/, ''))
        .join('\n'),
    );
    return 0;
  }
  if (argv.some((arg) => arg.startsWith('--files'))) {
    throw new Error(
      '--files is what this script computes; call `nx affected --files=...` directly to choose the files yourself.',
    );
  }
  const { base, head, rest } = splitArgs(argv);
  const log = (line) => console.error(`[affected] ${line}`);
  const files = await affectedFiles(base, head, log);
  if (rest[0] === '--print-files') {
    for (const file of files) console.log(file);
    return 0;
  }
  const nxArgs = rest[0] === 'show' ? [...rest, '--affected'] : ['affected', ...rest];
  // Nx reads an empty --files as "nothing changed", which is what an empty list means here.
  const [command, args] = nxCommand([...nxArgs, `--files=${files.join(',')}`]);
  log(
    `${files.length} changed file${files.length === 1 ? '' : 's'} (${base}...${head ?? 'working tree'}): nx ${nxArgs.join(' ')} --files=...`,
  );
  const run = spawnSync(command, args, { stdio: 'inherit', env: { NX_DAEMON: 'false', ...process.env } });
  if (run.error) throw new Error(`could not start nx: ${run.error.message}. Run \`npm run setup\` first.`);
  return run.status ?? 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`affected: ${error?.message ?? error}`);
      process.exit(1);
    },
  );
}

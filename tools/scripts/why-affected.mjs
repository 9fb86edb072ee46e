#!/usr/bin/env node
// Why is each project affected? For every project `nx affected` would run, the reason: the changed
// files inside it, the dependency path from a changed project, or a changed workspace-wide file
// (nx.json, lockfiles, shared globals) that affects everything. Like moon's affected reasons.
//
//   node tools/scripts/why-affected.mjs                     # base = $NX_BASE or merge-base with main, head = working tree
//   node tools/scripts/why-affected.mjs --base origin/main --head HEAD
//   node tools/scripts/why-affected.mjs --json              # machine-readable
//   node tools/scripts/why-affected.mjs --files libs/a/x.ts,nx.json   # explain a given set of files
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { changedFilesBetween, lockChanges, UV_LOCK } from './affected.mjs';

/** Files outside every project that change what every project computes. */
export const WORKSPACE_FILES = [
  'nx.json',
  'package.json',
  'package-lock.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'tsconfig.base.json',
];
// uv.lock and the root pyproject.toml are not among them: no target reads them. A changed locked
// package affects the projects that lock it (affected.mjs), a new uv member only itself.

/**
 * Workspace-wide files: WORKSPACE_FILES plus every `{workspaceRoot}/...` file that nx.json's
 * namedInputs (e.g. sharedGlobals) feed into all projects.
 */
export function globalFilesOf(nxJson) {
  const files = new Set(WORKSPACE_FILES);
  for (const inputs of Object.values(nxJson?.namedInputs ?? {})) {
    for (const input of inputs) {
      if (
        typeof input === 'string' &&
        input.startsWith('{workspaceRoot}/') &&
        !/[*?{[]/.test(input.slice('{workspaceRoot}/'.length))
      ) {
        files.add(input.slice('{workspaceRoot}/'.length));
      }
    }
  }
  return [...files].sort();
}

/** The project whose root holds `file` (the deepest root wins, as nested projects do in Nx). */
export function ownerOf(file, projects) {
  let owner = null;
  for (const [name, { root }] of Object.entries(projects)) {
    if (root === '' || root === '.') continue;
    if ((file === root || file.startsWith(`${root}/`)) && (!owner || root.length > projects[owner].root.length))
      owner = name;
  }
  return owner;
}

/**
 * Pure core. `projects`: { name: { root, dependencies: [names] } }. Returns, per affected project,
 * its reasons: { kind: 'files', files } | { kind: 'dependency', path: [changed, ..., project], files }
 * | { kind: 'global', files } | { kind: 'lock', packages }, sorted by name; plus the changed files
 * no project owns. `lockReached`: { project: [changed locked packages it resolves to] }.
 */
export function explainAffected({ projects, changedFiles, globalFiles, lockReached = {} }) {
  const globals = new Set(globalFiles);
  const touchedGlobals = changedFiles.filter((file) => globals.has(file));
  const filesByProject = new Map();
  const unowned = [];
  for (const file of changedFiles) {
    if (globals.has(file)) continue;
    if (file === UV_LOCK && Object.keys(lockReached).length > 0) continue;
    const owner = ownerOf(file, projects);
    if (owner) filesByProject.set(owner, [...(filesByProject.get(owner) ?? []), file]);
    else unowned.push(file);
  }

  const dependents = new Map(Object.keys(projects).map((name) => [name, []]));
  for (const [name, { dependencies }] of Object.entries(projects)) {
    for (const dependency of dependencies) dependents.get(dependency)?.push(name);
  }

  const reasons = new Map();
  const add = (name, reason) => reasons.set(name, [...(reasons.get(name) ?? []), reason]);
  for (const [name, files] of filesByProject) add(name, { kind: 'files', files: files.sort() });
  for (const [name, packages] of Object.entries(lockReached)) add(name, { kind: 'lock', packages });
  const touchedByLock = Object.keys(lockReached).filter((name) => !filesByProject.has(name));
  for (const name of touchedByLock) filesByProject.set(name, [UV_LOCK]);

  // Breadth-first from the directly changed projects, so each dependent gets its shortest path.
  const pathTo = new Map([...filesByProject.keys()].sort().map((name) => [name, [name]]));
  const queue = [...pathTo.keys()];
  while (queue.length > 0) {
    const current = queue.shift();
    for (const dependent of [...(dependents.get(current) ?? [])].sort()) {
      if (pathTo.has(dependent)) continue;
      const path = [...pathTo.get(current), dependent];
      pathTo.set(dependent, path);
      add(dependent, { kind: 'dependency', path, files: filesByProject.get(path[0]) });
      queue.push(dependent);
    }
  }
  if (touchedGlobals.length > 0) {
    for (const name of Object.keys(projects)) add(name, { kind: 'global', files: touchedGlobals });
  }

  return {
    projects: [...reasons.keys()].sort().map((name) => ({ name, reasons: reasons.get(name) })),
    unownedFiles: unowned.sort(),
  };
}

function summarise(files, max = 3) {
  const shown = files.slice(0, max).join(', ');
  return files.length > max ? `${shown} (+${files.length - max} more)` : shown;
}

export function formatText(result) {
  const { base, head, changedFiles, projects, unownedFiles } = result;
  const lines = [
    `${projects.length} affected project${projects.length === 1 ? '' : 's'} from ${changedFiles.length} changed file${changedFiles.length === 1 ? '' : 's'} (${base}...${head}):`,
  ];
  const width = Math.max(0, ...projects.map(({ name }) => name.length));
  for (const { name, reasons } of projects) {
    const why = reasons.map((reason) => {
      if (reason.kind === 'files') return `changed: ${summarise(reason.files)}`;
      if (reason.kind === 'global') return `workspace file changed (affects every project): ${summarise(reason.files)}`;
      if (reason.kind === 'lock') return `locked package changed in uv.lock: ${summarise(reason.packages)}`;
      return `depends on changed ${reason.path[0]}: ${[...reason.path].reverse().join(' -> ')}`;
    });
    lines.push(`  ${name.padEnd(width)}  ${why.join('; ')}`);
  }
  if (unownedFiles.length > 0)
    lines.push(`Changed files in no project (affect nothing): ${summarise(unownedFiles, 5)}`);
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      files: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: node tools/scripts/why-affected.mjs [--base <ref>] [--head <ref>] [--files a,b] [--json]\n' +
        '  --base   defaults to $NX_BASE, else the merge base with main\n' +
        '  --head   defaults to $NX_HEAD, else the working tree (with uncommitted and untracked files)\n' +
        '  --files  explain these changed files instead of asking git\n' +
        '  --json   {base, head, changedFiles, projects: [{name, reasons}], unownedFiles}',
    );
    return;
  }
  const base = values.base ?? process.env.NX_BASE ?? 'main';
  const head = values.head ?? process.env.NX_HEAD;
  const changedFiles = values.files
    ? values.files
        .split(',')
        .map((file) => file.trim())
        .filter(Boolean)
    : changedFilesBetween(base, head);

  const { createProjectGraphAsync, workspaceRoot } = await import('@nx/devkit');
  const graph = await createProjectGraphAsync({ exitOnError: false });
  const projects = Object.fromEntries(
    Object.entries(graph.nodes).map(([name, node]) => [
      name,
      {
        root: node.data.root,
        dependencies: (graph.dependencies[name] ?? [])
          .map((edge) => edge.target)
          .filter((target) => graph.nodes[target]),
      },
    ]),
  );
  let nxJson = {};
  try {
    nxJson = JSON.parse(readFileSync(join(workspaceRoot, 'nx.json'), 'utf8'));
  } catch {
    // No nx.json: only the fixed workspace files count as global.
  }
  const lockReached =
    changedFiles.includes(UV_LOCK) && !values.files ? (await lockChanges(base, head, graph)).projects : {};
  const result = {
    base,
    head: head ?? 'working tree',
    changedFiles,
    ...explainAffected({ projects, changedFiles, globalFiles: globalFilesOf(nxJson), lockReached }),
  };
  console.log(values.json ? JSON.stringify(result, null, 2) : formatText(result));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(`why-affected: ${error?.message ?? error}`);
    process.exit(1);
  });
}

// Checks that the README and docs/ say only what exists: every `nx` command they name runs a
// project and target the project graph has (and a generator a plugin has), every workspace file
// path they name exists, and every relative link points at a file. Prints each problem as
// `<file>:<line>: <what> (<fix>)` and exits 1 when there is one.
//
//   node tools/scripts/check-docs.mjs                 # README.md and docs/**/*.md
//   node tools/scripts/check-docs.mjs --root=<dir> [files...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { nxCommand, WORKSPACE_ROOT } from './workspace-tools.mjs';

/** Top-level folders and files whose paths the docs may name. */
const PATH_ROOTS = /^(apps|libs|tools|bench|docs|security|\.github|\.ci)\//;
const ROOT_FILES = new Set([
  'gates.json',
  'nx.json',
  'package.json',
  'pyproject.toml',
  'uv.lock',
  'ruff.toml',
  'renovate.json',
]);

/** Every Markdown page the checks cover: README.md and docs/ (recursively). */
export function docFiles(root) {
  const pages = existsSync(join(root, 'README.md')) ? ['README.md'] : [];
  const walk = (dir) => {
    if (!existsSync(join(root, dir))) return;
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages;
}

/** Projects, their targets and every plugin's generators, from Nx itself. */
export function workspaceFacts(root) {
  const [command, args] = nxCommand(['graph', '--file=stdout']);
  const run = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (run.status !== 0)
    throw new Error(`nx graph failed (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const graph = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))).graph;
  const projects = new Map(
    Object.values(graph.nodes).map((node) => [node.name, new Set(Object.keys(node.data.targets ?? {}))]),
  );
  const generators = new Map();
  for (const dir of ['tools/plugins']) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir))) {
      const pkg = join(root, dir, name, 'package.json');
      if (!existsSync(pkg)) continue;
      const manifest = JSON.parse(readFileSync(pkg, 'utf8'));
      if (!manifest.generators) continue;
      const list = JSON.parse(readFileSync(join(root, dir, name, manifest.generators), 'utf8')).generators ?? {};
      const names = new Set(Object.entries(list).flatMap(([key, value]) => [key, ...(value.aliases ?? [])]));
      generators.set(manifest.name, names);
    }
  }
  return { projects, generators };
}

/** The problems of one page's text: pure, so that tests can hand it any facts. */
export function checkPage(file, text, facts) {
  const { root } = facts;
  // Maps of Sets from workspaceFacts, or plain objects of arrays (JSON, from tests).
  const asMap = (value) =>
    value instanceof Map ? value : new Map(Object.entries(value).map(([k, v]) => [k, new Set(v)]));
  const projects = asMap(facts.projects);
  const generators = asMap(facts.generators);
  const problems = [];
  const lines = text.split('\n');
  const report = (index, what, fix) => problems.push(`${file}:${index + 1}: ${what} (${fix})`);
  const checkTarget = (index, project, target) => {
    if (/[<{$*]/.test(project + target)) return; // a placeholder such as <project>
    const targets = projects.get(project);
    if (!targets) return report(index, `no project "${project}"`, 'see `npx nx show projects`');
    if (target && !targets.has(target))
      report(index, `${project} has no target "${target}"`, `see \`npx nx show project ${project}\``);
  };
  lines.forEach((line, index) => {
    // nx run <project>:<target>[:configuration]
    for (const match of line.matchAll(/\bnx run ([\w.@/-]+):([\w-]+)/g)) checkTarget(index, match[1], match[2]);
    // nx <target> <project> (the short form), nx show project <project>
    for (const match of line.matchAll(
      /\bnx (lint|test|scan|perf|docker|deploy|rollback|monitoring|dast|build|e2e|typecheck|integration) ([\w.-]+)/g,
    ))
      checkTarget(index, match[2], match[1]);
    for (const match of line.matchAll(/\bnx show project ([\w.-]+)/g)) checkTarget(index, match[1], '');
    // nx g <plugin>:<generator>
    for (const match of line.matchAll(/\bnx g(?:enerate)? (@[\w-]+\/[\w-]+):([\w-]+)/g)) {
      const names = generators.get(match[1]);
      if (!names) report(index, `no generator plugin ${match[1]}`, 'see tools/plugins/*/generators.json');
      else if (!names.has(match[2]))
        report(index, `${match[1]} has no generator "${match[2]}"`, `one of: ${[...names].join(', ')}`);
    }
    // workspace paths in backticks
    for (const match of line.matchAll(/`([^`\s]+)`/g)) {
      const path = match[1].replace(/[),.:;]+$/, '').replace(/:\d+$/, '');
      if (!(PATH_ROOTS.test(path) || ROOT_FILES.has(path))) continue;
      if (/[<>{}*$…]|\.\.\.|NN/.test(path)) continue; // a pattern or placeholder, not one file
      if (/(^|\/)(dist|reports|coverage)(\/|$)/.test(path)) continue; // a build output, not in a clone
      if (!existsSync(join(root, path))) report(index, `\`${path}\` does not exist`, 'fix the path or the page');
    }
    // relative Markdown links
    for (const match of line.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = match[1];
      if (/^[a-z]+:/.test(target)) continue; // http:, mailto:
      const path = relative(root, resolve(root, dirname(file), target));
      if (!existsSync(join(root, path))) report(index, `link to ${target} points at nothing`, `no ${path}`);
    }
  });
  return problems;
}

export function checkDocs(root, files = docFiles(root), facts = workspaceFacts(root)) {
  return files.flatMap((file) => checkPage(file, readFileSync(join(root, file), 'utf8'), { root, ...facts }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { root: { type: 'string' } }, allowPositionals: true });
  const root = resolve(values.root ?? WORKSPACE_ROOT);
  const files = positionals.length > 0 ? positionals : docFiles(root);
  const problems = checkDocs(root, files);
  for (const problem of problems) console.error(problem);
  console.log(
    problems.length === 0
      ? `[docs] ${files.length} pages: every nx command, path and link exists.`
      : `[docs] ${problems.length} problem(s) in ${files.length} pages.`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}

// Adds a synthetic graph to a copy of the workspace for bench/graph.sh: Python and TypeScript
// projects with dependencies between them, written the way the repository's own projects are.
//
//   node bench/graph-workspace.mjs <copy> <projects>
//
// Half of the projects are Python (libs/bench-py-NNNN): a project.json naming the project (as
// apps/backend has), a pyproject.toml whose dependencies name earlier bench projects through
// [tool.uv.sources] workspace entries (and some name service-kit or httpx), a module importing
// them; each is a member of the root pyproject.toml's uv workspace and a [[package]] of uv.lock
// (as `uv lock` writes editable members), so the pipeline plugin's uv.lock reader sees them.
// The other half are TypeScript (libs/bench-ts-NNNN): npm workspace packages (@bench/ts-NNNN)
// whose package.json depends on earlier ones and whose src/index.ts imports them; every tenth
// also depends on a Python project (package.json `nx.implicitDependencies`).
// Edges: project i depends on i-1 (except at the start of each block of ten) and on ceil(i/2).
//
// It also gives the copy its own node_modules: a link to each of the workspace's installed
// packages, except the workspace's own packages (@customercare/*), which point into the copy so that
// the copy's plugins run from the copy's sources.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const [copy, count] = [process.argv[2], Number(process.argv[3])];
if (!copy || !Number.isInteger(count) || count < 2) {
  console.error('usage: node bench/graph-workspace.mjs <copy> <projects (>= 2)>');
  process.exit(2);
}
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const pad = (i) => String(i).padStart(4, '0');
const write = (file, text) => {
  mkdirSync(dirname(join(copy, file)), { recursive: true });
  writeFileSync(join(copy, file), text);
};
const depsOf = (i) => [...new Set([i % 10 === 1 ? 0 : i - 1, Math.ceil(i / 2)])].filter((d) => d >= 1 && d < i);

const python = Math.ceil(count / 2);
const typescript = count - python;
const lockPackages = [];
for (let i = 1; i <= python; i++) {
  const name = `bench-py-${pad(i)}`;
  const module = name.replaceAll('-', '_');
  const deps = depsOf(i).map((d) => `bench-py-${pad(d)}`);
  const workspaceDeps = [...deps, ...(i % 4 === 0 ? ['service-kit'] : [])];
  const pypiDeps = i % 3 === 0 ? ['httpx'] : [];
  const dir = `libs/${name}`;
  write(`${dir}/project.json`, `${JSON.stringify({ name }, null, 2)}\n`);
  write(
    `${dir}/pyproject.toml`,
    [
      '[project]',
      `name = "${name}"`,
      'version = "0.1.0"',
      'requires-python = ">=3.11"',
      `dependencies = [${[...workspaceDeps, ...pypiDeps].map((d) => `"${d}"`).join(', ')}]`,
      '',
      '[tool.uv.sources]',
      ...workspaceDeps.map((d) => `${d} = { workspace = true }`),
      '',
      '[build-system]',
      'requires = ["uv_build>=0.9,<0.14"]',
      'build-backend = "uv_build"',
      '',
    ].join('\n'),
  );
  write(
    `${dir}/src/${module}/__init__.py`,
    [
      ...deps.map((d, n) => `from bench_py_${pad(d)} import VALUE as V${n}`),
      `VALUE = ${deps.length === 0 ? i : deps.map((_, n) => `V${n}`).join(' + ')}`,
      '',
    ].join('\n'),
  );
  lockPackages.push(
    [
      '[[package]]',
      `name = "${name}"`,
      'version = "0.1.0"',
      `source = { editable = "${dir}" }`,
      ...([...workspaceDeps, ...pypiDeps].length === 0
        ? []
        : ['dependencies = [', ...[...workspaceDeps, ...pypiDeps].map((d) => `    { name = "${d}" },`), ']']),
      '',
      // What @nxlv/python draws the Python-to-Python edges from: each workspace dependency's folder.
      '[package.metadata]',
      'requires-dist = [',
      ...workspaceDeps.map((d) => `    { name = "${d}", editable = "libs/${d}" },`),
      ...pypiDeps.map((d) => `    { name = "${d}", specifier = ">=0.28" },`),
      ']',
      '',
    ].join('\n'),
  );
}
for (let i = 1; i <= typescript; i++) {
  const name = `@bench/ts-${pad(i)}`;
  const deps = depsOf(i).map((d) => `@bench/ts-${pad(d)}`);
  const dir = `libs/bench-ts-${pad(i)}`;
  const pkg = {
    name,
    version: '0.0.0',
    private: true,
    type: 'module',
    main: './src/index.ts',
    dependencies: Object.fromEntries(deps.map((d) => [d, '*'])),
    ...(i % 10 === 0 ? { nx: { implicitDependencies: [`bench-py-${pad(Math.min(i, python))}`] } } : {}),
  };
  write(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
  write(
    `${dir}/src/index.ts`,
    [
      ...deps.map((d, n) => `import { value as v${n} } from '${d}';`),
      `export const value: number = ${deps.length === 0 ? i : deps.map((_, n) => `v${n}`).join(' + ')};`,
      '',
    ].join('\n'),
  );
}

// The uv workspace: the root pyproject.toml's members and uv.lock's manifest and packages.
const pyproject = readFileSync(join(copy, 'pyproject.toml'), 'utf8');
const members = /^(\[tool\.uv\.workspace\][^[]*?members\s*=\s*\[)/m;
if (!members.test(pyproject)) throw new Error(`${copy}/pyproject.toml has no [tool.uv.workspace] members list.`);
writeFileSync(join(copy, 'pyproject.toml'), pyproject.replace(members, '$1"libs/bench-py-*", '));
const lock = readFileSync(join(copy, 'uv.lock'), 'utf8');
const manifest = /^(\[manifest\]\nmembers = \[\n)/m;
if (!manifest.test(lock)) throw new Error(`${copy}/uv.lock has no [manifest] members list.`);
const names = Array.from({ length: python }, (_, n) => `    "bench-py-${pad(n + 1)}",\n`).join('');
writeFileSync(join(copy, 'uv.lock'), `${lock.replace(manifest, `$1${names}`)}\n${lockPackages.join('\n')}`);

// node_modules: the installed packages by link, the workspace's own packages from the copy.
const modules = join(copy, 'node_modules');
mkdirSync(modules, { recursive: true });
for (const entry of readdirSync(join(root, 'node_modules'))) {
  if (entry === '@customercare') continue;
  symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
}
mkdirSync(join(modules, '@customercare'));
const workspaceGlobs = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')).workspaces ?? [];
for (const glob of workspaceGlobs) {
  const parent = join(copy, glob.replace(/\/\*$/, ''));
  if (!glob.endsWith('/*') || !existsSync(parent)) continue;
  for (const folder of readdirSync(parent)) {
    const manifestFile = join(parent, folder, 'package.json');
    if (!existsSync(manifestFile) || !lstatSync(join(parent, folder)).isDirectory()) continue;
    const { name } = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (typeof name !== 'string' || !name.startsWith('@customercare/')) continue;
    const link = join(modules, name);
    if (!existsSync(link)) symlinkSync(relative(dirname(link), join(parent, folder)), link);
  }
}
console.log(`[bench] added ${python} Python and ${typescript} TypeScript projects to ${copy}`);

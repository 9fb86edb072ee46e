import type { Tree } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { parse } from 'smol-toml';
import { GeneratorInputError } from './project-name';

const ROOT_PYPROJECT = 'pyproject.toml';
const RUFF_TOML = 'ruff.toml';

/** What a workspace without a root pyproject.toml gets: a virtual uv workspace root. */
function newRootPyproject(member: string): string {
  return [
    '# The uv workspace root. It is not a project itself (no [project] table): each member is one',
    '# Nx project, and every member shares the one uv.lock and .venv at the workspace root.',
    '[tool.uv]',
    'package = false',
    '',
    '[tool.uv.workspace]',
    `members = [${JSON.stringify(member)}]`,
    '',
  ].join('\n');
}

/** The string list at `table.key` (e.g. tool.uv.workspace, members); undefined when the table is missing. */
function readList(text: string, table: string, key: string, file = ROOT_PYPROJECT): string[] | undefined {
  let node: unknown = parse(text);
  for (const part of table ? table.split('.') : []) node = (node as Record<string, unknown> | undefined)?.[part];
  if (node === undefined) return undefined;
  const list = (node as Record<string, unknown>)[key] ?? [];
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) {
    throw new GeneratorInputError(
      `${file}: ${table ? `[${table}] ` : ''}${key} must be a list of folder paths or globs.`,
    );
  }
  return list as string[];
}

function covers(patterns: string[], path: string): boolean {
  return patterns.some((pattern) => minimatch(path, pattern.replace(/\/+$/, '')));
}

/**
 * Adds `projectRoot` to `[tool.uv.workspace] members` of the root pyproject.toml, unless a member
 * (or member glob) already covers it. The edit is made in the text, so comments and layout survive;
 * the result is parsed again to prove the member is there. Returns whether the file changed.
 */
export function addUvWorkspaceMember(tree: Tree, projectRoot: string): boolean {
  const text = tree.read(ROOT_PYPROJECT, 'utf-8');
  if (text === null) {
    tree.write(ROOT_PYPROJECT, newRootPyproject(projectRoot));
    return true;
  }
  const members = readList(text, 'tool.uv.workspace', 'members');
  if (members && covers(members, projectRoot)) return false;

  const updated =
    members === undefined
      ? appendWorkspaceTable(text, projectRoot)
      : insertIntoList(text, 'tool.uv.workspace', 'members', members, projectRoot);
  if (!readList(updated, 'tool.uv.workspace', 'members')?.includes(projectRoot)) {
    throw new GeneratorInputError(
      `Could not add "${projectRoot}" to [tool.uv.workspace] members in ${ROOT_PYPROJECT}: the list is written in a layout ` +
        'this generator does not edit. Add it by hand, then run `uv lock`.',
    );
  }
  tree.write(ROOT_PYPROJECT, updated);
  return true;
}

function appendWorkspaceTable(text: string, member: string): string {
  const separator = text.endsWith('\n') ? '\n' : '\n\n';
  return `${text}${separator}[tool.uv.workspace]\nmembers = [${JSON.stringify(member)}]\n`;
}

/** Where ruff reads the workspace's settings: ruff.toml (top-level keys) wins over pyproject.toml's [tool.ruff]. */
function ruffConfig(tree: Tree): { file: string; table: string; text: string } | undefined {
  const ruffToml = tree.read(RUFF_TOML, 'utf-8');
  if (ruffToml !== null) return { file: RUFF_TOML, table: '', text: ruffToml };
  const pyproject = tree.read(ROOT_PYPROJECT, 'utf-8');
  return pyproject === null ? undefined : { file: ROOT_PYPROJECT, table: 'tool.ruff', text: pyproject };
}

/**
 * Tells ruff where first-party code lives when the workspace's ruff `src` globs do not cover the
 * new project (a `--directory` outside apps/ and libs/): without it ruff sorts the project's own
 * imports as third-party and its lint fails. No `src` list: nothing to keep in step. The settings
 * live in ruff.toml (so adding a uv member, which edits pyproject.toml, changes no lint input), or
 * in pyproject.toml's [tool.ruff] in workspaces that keep them there.
 */
export function addRuffSourceRoot(tree: Tree, sourceRoot: string): string | undefined {
  const config = ruffConfig(tree);
  if (config === undefined) return undefined;
  const { file, table, text } = config;
  let settings: unknown = parse(text);
  for (const part of table ? table.split('.') : [])
    settings = (settings as Record<string, unknown> | undefined)?.[part];
  const hasSrc = (settings as { src?: unknown } | undefined)?.src !== undefined;
  const list = hasSrc ? (readList(text, table, 'src', file) ?? []) : [];
  if (!hasSrc || covers(list, sourceRoot)) return undefined;
  const updated = insertIntoList(text, table, 'src', list, sourceRoot);
  if (!readList(updated, table, 'src', file)?.includes(sourceRoot)) {
    throw new GeneratorInputError(
      `Could not add "${sourceRoot}" to ruff's src list in ${file}: the list is written in a layout this ` +
        "generator does not edit. Add it by hand so ruff treats the project's imports as first-party.",
    );
  }
  tree.write(file, updated);
  return file;
}

/**
 * Rewrites only the `key = [...]` array inside one table: a one-line array stays on one line, a
 * multi-line one gets a new line in the same indentation. Items stay sorted when they were sorted.
 */
function insertIntoList(text: string, tableName: string, key: string, items: string[], item: string): string {
  let offset = 0;
  // The empty table name is the file's top level (ruff.toml): the text before the first [table].
  let table: { index: number; length: number } | undefined = tableName === '' ? { index: 0, length: 0 } : undefined;
  for (const line of tableName === '' ? [] : text.split('\n')) {
    if (line.replace(/#.*/, '').trim() === `[${tableName}]`) {
      table = { index: offset, length: line.length };
      break;
    }
    offset += line.length + 1;
  }
  if (table === undefined) return text;
  const afterTable = text.slice(table.index + table.length);
  const nextTable = /^\[/m.exec(afterTable);
  const body = nextTable ? afterTable.slice(0, nextTable.index) : afterTable;
  // eslint-disable-next-line security/detect-non-literal-regexp -- key is one of our own constants
  const array = new RegExp(`^([ \\t]*${key}[ \\t]*=[ \\t]*)\\[([\\s\\S]*?)\\]`, 'm').exec(body);
  if (!array) return text;

  const sorted = items.every((m, i) => i === 0 || items[i - 1] <= m);
  const next = sorted ? [...items, item].sort() : [...items, item];
  const written = array[2];
  let rendered: string;
  if (!written.includes('\n')) {
    rendered = `${array[1]}[${next.map((m) => JSON.stringify(m)).join(', ')}]`;
  } else {
    if (/#/.test(written)) return text; // comments inside the list: leave it to a person (see the error above)
    const indent = /\n([ \t]+)\S/.exec(written)?.[1] ?? '    ';
    rendered = `${array[1]}[\n${next.map((m) => `${indent}${JSON.stringify(m)},`).join('\n')}\n]`;
  }
  const start = table.index + table.length + array.index;
  return text.slice(0, start) + rendered + text.slice(start + array[0].length);
}

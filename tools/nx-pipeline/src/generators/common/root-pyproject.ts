import type { Tree } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { parse } from 'smol-toml';
import { GeneratorInputError } from './project-name';

const ROOT_PYPROJECT = 'pyproject.toml';

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

function readMembers(text: string): string[] | undefined {
  const data = parse(text) as { tool?: { uv?: { workspace?: { members?: unknown } } } };
  const workspace = data.tool?.uv?.workspace;
  if (workspace === undefined) return undefined;
  const members = workspace.members ?? [];
  if (!Array.isArray(members) || members.some((m) => typeof m !== 'string')) {
    throw new GeneratorInputError(`${ROOT_PYPROJECT}: [tool.uv.workspace] members must be a list of folder paths or globs.`);
  }
  return members as string[];
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
  const members = readMembers(text);
  if (members?.some((member) => minimatch(projectRoot, member.replace(/\/+$/, '')))) return false;

  const updated = members === undefined ? appendWorkspaceTable(text, projectRoot) : insertMember(text, members, projectRoot);
  if (!readMembers(updated)?.includes(projectRoot)) {
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

/**
 * Rewrites only the `members = [...]` array inside the [tool.uv.workspace] table: a one-line array
 * stays on one line, a multi-line one gets a new line in the same indentation. Members stay sorted
 * when they were sorted.
 */
function insertMember(text: string, members: string[], member: string): string {
  let offset = 0;
  let table: { index: number; length: number } | undefined;
  for (const line of text.split('\n')) {
    if (line.replace(/#.*/, '').trim() === '[tool.uv.workspace]') {
      table = { index: offset, length: line.length };
      break;
    }
    offset += line.length + 1;
  }
  if (table === undefined) return text;
  const afterTable = text.slice(table.index + table.length);
  const nextTable = /^\[/m.exec(afterTable);
  const body = nextTable ? afterTable.slice(0, nextTable.index) : afterTable;
  const array = /^([ \t]*members[ \t]*=[ \t]*)\[([\s\S]*?)\]/m.exec(body);
  if (!array) return text;

  const sorted = members.every((m, i) => i === 0 || members[i - 1] <= m);
  const next = sorted ? [...members, member].sort() : [...members, member];
  const items = array[2];
  let rendered: string;
  if (!items.includes('\n')) {
    rendered = `${array[1]}[${next.map((m) => JSON.stringify(m)).join(', ')}]`;
  } else {
    if (/#/.test(items)) return text; // comments inside the list: leave it to a person (see the error above)
    const indent = /\n([ \t]+)\S/.exec(items)?.[1] ?? '    ';
    rendered = `${array[1]}[\n${next.map((m) => `${indent}${JSON.stringify(m)},`).join('\n')}\n]`;
  }
  const start = table.index + table.length + array.index;
  return text.slice(0, start) + rendered + text.slice(start + array[0].length);
}

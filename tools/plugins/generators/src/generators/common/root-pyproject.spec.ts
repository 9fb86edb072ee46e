import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { addRuffSourceRoot, addUvWorkspaceMember } from './root-pyproject';

describe('addUvWorkspaceMember', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  function add(text: string, member: string): string {
    tree.write('pyproject.toml', text);
    addUvWorkspaceMember(tree, member);
    return tree.read('pyproject.toml', 'utf-8') ?? '';
  }

  it('adds a line to a multi-line list in its indentation, keeping comments around it', () => {
    const text =
      '# root\n[tool.uv.workspace] # the members\nmembers = [\n  "apps/backend",\n  "libs/kit",\n]\n\n[tool.ruff]\nline-length = 100\n';
    expect(add(text, 'apps/orders')).toBe(
      '# root\n[tool.uv.workspace] # the members\nmembers = [\n  "apps/backend",\n  "apps/orders",\n  "libs/kit",\n]\n\n[tool.ruff]\nline-length = 100\n',
    );
  });

  it('appends to an unsorted list instead of reordering it', () => {
    expect(add('[tool.uv.workspace]\nmembers = ["libs/kit", "apps/backend"]\n', 'apps/orders')).toBe(
      '[tool.uv.workspace]\nmembers = ["libs/kit", "apps/backend", "apps/orders"]\n',
    );
  });

  it('edits the members of [tool.uv.workspace], not a look-alike in a comment or another table', () => {
    const text =
      '# see [tool.uv.workspace]\n[tool.other]\nmembers = ["x"]\n\n[tool.uv.workspace]\nmembers = ["apps/a"]\n';
    expect(add(text, 'apps/b')).toBe(
      '# see [tool.uv.workspace]\n[tool.other]\nmembers = ["x"]\n\n[tool.uv.workspace]\nmembers = ["apps/a", "apps/b"]\n',
    );
  });

  it('adds a [tool.uv.workspace] table to a root pyproject.toml that has none', () => {
    expect(add('[tool.ruff]\nline-length = 100\n', 'apps/a')).toBe(
      '[tool.ruff]\nline-length = 100\n\n[tool.uv.workspace]\nmembers = ["apps/a"]\n',
    );
  });

  it('leaves the file alone when the member is already listed or covered by a glob', () => {
    tree.write('pyproject.toml', '[tool.uv.workspace]\nmembers = ["apps/a", "libs/*"]\n');
    expect(addUvWorkspaceMember(tree, 'apps/a')).toBe(false);
    expect(addUvWorkspaceMember(tree, 'libs/kit')).toBe(false);
  });

  it('refuses to edit a list with comments inside, and says what to do by hand', () => {
    tree.write('pyproject.toml', '[tool.uv.workspace]\nmembers = [\n  "apps/a", # the API\n]\n');
    expect(() => addUvWorkspaceMember(tree, 'apps/b')).toThrow(
      'Could not add "apps/b" to [tool.uv.workspace] members in pyproject.toml: the list is written in a layout this generator does not edit. Add it by hand, then run `uv lock`.',
    );
  });
});

describe('addRuffSourceRoot', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('adds a source root that the [tool.ruff] src globs do not cover', () => {
    tree.write(
      'pyproject.toml',
      '[tool.ruff]\nline-length = 100\n# First-party code\nsrc = ["apps/*/src", "libs/*/src"]\n',
    );
    expect(addRuffSourceRoot(tree, 'services/orders/src')).toBe('pyproject.toml');
    expect(tree.read('pyproject.toml', 'utf-8')).toBe(
      '[tool.ruff]\nline-length = 100\n# First-party code\nsrc = ["apps/*/src", "libs/*/src", "services/orders/src"]\n',
    );
  });

  it('edits ruff.toml (top-level src, before any table) when the workspace has one, and leaves pyproject.toml alone', () => {
    tree.write('pyproject.toml', '[tool.uv.workspace]\nmembers = ["apps/backend"]\n');
    tree.write(
      'ruff.toml',
      'line-length = 100\nsrc = [\n    "apps/*/src",\n    "libs/*/src",\n]\n\n[lint]\nselect = ["E"]\n',
    );
    expect(addRuffSourceRoot(tree, 'services/orders/src')).toBe('ruff.toml');
    expect(tree.read('ruff.toml', 'utf-8')).toBe(
      'line-length = 100\nsrc = [\n    "apps/*/src",\n    "libs/*/src",\n    "services/orders/src",\n]\n\n[lint]\nselect = ["E"]\n',
    );
    expect(tree.read('pyproject.toml', 'utf-8')).toBe('[tool.uv.workspace]\nmembers = ["apps/backend"]\n');
    expect(addRuffSourceRoot(tree, 'apps/orders/src')).toBeUndefined();
  });

  it('leaves the file alone when a glob covers it, or when there is no src list to keep in step', () => {
    tree.write('pyproject.toml', '[tool.ruff]\nsrc = ["apps/*/src"]\n');
    expect(addRuffSourceRoot(tree, 'apps/orders/src')).toBeUndefined();
    tree.write('pyproject.toml', '[tool.ruff]\nline-length = 100\n');
    expect(addRuffSourceRoot(tree, 'services/orders/src')).toBeUndefined();
    expect(tree.read('pyproject.toml', 'utf-8')).toBe('[tool.ruff]\nline-length = 100\n');
  });
});

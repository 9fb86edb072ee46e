import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse as parseToml } from 'smol-toml';
import { pythonLibGenerator } from './generator';

function written(tree: Tree, under: string): Record<string, string> {
  return Object.fromEntries(
    tree
      .listChanges()
      .filter((change) => change.type !== 'DELETE' && change.path.startsWith(under))
      .map((change) => [change.path, change.content?.toString('utf-8') ?? ''])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

describe('python-lib generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('pyproject.toml', '[tool.uv.workspace]\nmembers = [\n    "apps/backend",\n    "libs/service-kit",\n]\n');
    tree.write('libs/service-kit/pyproject.toml', '[project]\nname = "service-kit"\nversion = "0.1.0"\n');
  });

  it('writes a typed library with tests under libs/<name>', async () => {
    await pythonLibGenerator(tree, { name: 'text-tools', description: 'Text helpers.' });
    const files = written(tree, 'libs/text-tools/');
    expect(Object.keys(files)).toEqual([
      'libs/text-tools/README.md',
      'libs/text-tools/pyproject.toml',
      'libs/text-tools/src/text_tools/__init__.py',
      'libs/text-tools/src/text_tools/py.typed',
      'libs/text-tools/src/text_tools/slugs.py',
      'libs/text-tools/tests/unit/test_slugs.py',
    ]);
    expect(files).toMatchSnapshot();
    expect((parseToml(files['libs/text-tools/pyproject.toml']) as { project: { name: string } }).project.name).toBe(
      'text-tools',
    );
  });

  it('adds the library to a multi-line members list in order', async () => {
    await pythonLibGenerator(tree, { name: 'text-tools' });
    expect(tree.read('pyproject.toml', 'utf-8')).toBe(
      '[tool.uv.workspace]\nmembers = [\n    "apps/backend",\n    "libs/service-kit",\n    "libs/text-tools",\n]\n',
    );
  });

  it('refuses a taken name and writes nothing', async () => {
    const before = tree.listChanges().length;
    await expect(pythonLibGenerator(tree, { name: 'service-kit', directory: 'libs/kit-2' })).rejects.toThrow(
      'A project named "service-kit" already exists (at libs/service-kit); nothing was written.',
    );
    expect(tree.listChanges()).toHaveLength(before);
  });
});

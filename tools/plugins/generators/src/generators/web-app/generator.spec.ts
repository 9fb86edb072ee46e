import { writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { webAppGenerator } from './generator';

function written(tree: Tree, under: string): Record<string, string> {
  return Object.fromEntries(
    tree
      .listChanges()
      .filter((change) => change.type !== 'DELETE' && change.path.startsWith(under))
      .map((change) => [change.path, change.content?.toString('utf-8') ?? ''])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

describe('web-app generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    writeJson(tree, 'package.json', {
      name: 'root',
      workspaces: ['apps/*', 'libs/*'],
      dependencies: { react: '^19.2.0' },
    });
    tree.write('vitest.shared.ts', 'export function sharedTestConfig() {}\n');
  });

  it('writes a React + Vite + Vitest app with no hand-written targets', async () => {
    await webAppGenerator(tree, { name: 'support-console', skipInstall: true });
    const files = written(tree, 'apps/support-console/');
    expect(Object.keys(files)).toEqual([
      'apps/support-console/README.md',
      'apps/support-console/index.html',
      'apps/support-console/package.json',
      'apps/support-console/src/App.spec.tsx',
      'apps/support-console/src/App.tsx',
      'apps/support-console/src/greeting.spec.ts',
      'apps/support-console/src/greeting.ts',
      'apps/support-console/src/main.tsx',
      'apps/support-console/src/test-setup.ts',
      'apps/support-console/src/vite-env.d.ts',
      'apps/support-console/tsconfig.json',
      'apps/support-console/vite.config.ts',
    ]);
    expect(files).toMatchSnapshot();
    expect(JSON.parse(files['apps/support-console/package.json']).nx).toEqual({ name: 'support-console' });
  });

  it('points nested apps at the workspace root files', async () => {
    await webAppGenerator(tree, { name: 'kiosk', directory: 'apps/kiosk', skipInstall: true });
    expect(tree.read('apps/kiosk/vite.config.ts', 'utf-8')).toContain("from '../../vitest.shared'");
    expect(tree.read('apps/kiosk/tsconfig.json', 'utf-8')).toContain('"extends": "../../tsconfig.base.json"');
  });

  it.each([
    [{ name: 'kiosk', directory: 'tools/web/kiosk' }, /tools\/web\/kiosk is not inside an npm workspace/],
    [{ name: 'Kiosk' }, /kebab-case/],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = tree.listChanges().length;
    await expect(webAppGenerator(tree, { ...options, skipInstall: true })).rejects.toThrow(message);
    expect(tree.listChanges()).toHaveLength(before);
  });

  it('refuses without the shared Vitest config', async () => {
    tree.delete('vitest.shared.ts');
    await expect(webAppGenerator(tree, { name: 'kiosk' })).rejects.toThrow(/no vitest.shared.ts/);
  });
});

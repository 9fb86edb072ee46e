import { addProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { pythonServiceGenerator } from './generator';

const ROOT_PYPROJECT = `# The uv workspace root.
[tool.uv]
package = false

[tool.uv.workspace]
members = ["apps/backend", "libs/service-kit"]

# Tools every Python project is linted and tested with.
[dependency-groups]
dev = ["pytest>=8.4"]
`;

/** Every file the generator wrote, by path, for one snapshot of the whole change. */
function written(tree: Tree): Record<string, string> {
  return Object.fromEntries(
    tree
      .listChanges()
      .filter((change) => change.type !== 'DELETE')
      .map((change) => [change.path, change.content?.toString('utf-8') ?? ''])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

describe('python-service generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('pyproject.toml', ROOT_PYPROJECT);
    tree.write(
      'apps/backend/pyproject.toml',
      '[project]\nname = "backend"\nversion = "0.1.0"\n\n[tool.uv.build-backend]\nmodule-name = "customercare"\n',
    );
    tree.write('libs/service-kit/pyproject.toml', '[project]\nname = "service-kit"\nversion = "0.1.0"\n');
    tree.write(
      'uv.lock',
      'version = 1\n\n[[package]]\nname = "redis"\nversion = "5.2.0"\n\n[[package]]\nname = "fastapi"\nversion = "0.120.0"\n',
    );
  });

  it('writes a FastAPI service with tests and a perf scenario, and no project.json', async () => {
    const before = new Set(tree.listChanges().map((c) => c.path));
    await pythonServiceGenerator(tree, { name: 'orders', description: 'Takes orders.' });
    const files = written(tree);
    const added = Object.keys(files).filter((path) => path.startsWith('apps/orders/'));
    expect(added).toEqual([
      'apps/orders/README.md',
      'apps/orders/perf/load.yml',
      'apps/orders/pyproject.toml',
      'apps/orders/src/orders/__init__.py',
      'apps/orders/src/orders/__main__.py',
      'apps/orders/src/orders/app.py',
      'apps/orders/src/orders/greetings.py',
      'apps/orders/src/orders/metrics.py',
      'apps/orders/src/orders/py.typed',
      'apps/orders/src/orders/settings.py',
      'apps/orders/tests/integration/test_api.py',
      'apps/orders/tests/unit/test_main.py',
      'apps/orders/tests/unit/test_settings.py',
    ]);
    expect(before.has('pyproject.toml')).toBe(true);
    expect(Object.fromEntries(added.map((path) => [path, files[path]]))).toMatchSnapshot();
  });

  it('adds the service to the uv workspace members, keeping comments and order', async () => {
    await pythonServiceGenerator(tree, { name: 'orders' });
    const root = tree.read('pyproject.toml', 'utf-8');
    expect(root).toBe(
      ROOT_PYPROJECT.replace(
        'members = ["apps/backend", "libs/service-kit"]',
        'members = ["apps/backend", "apps/orders", "libs/service-kit"]',
      ),
    );
  });

  it('writes a valid PEP 621 pyproject.toml with the import package as uv_build module', async () => {
    await pythonServiceGenerator(tree, { name: 'billing-api', description: 'Bills "customers" \\ monthly\nfor usage' });
    const pyproject = parseToml(tree.read('apps/billing-api/pyproject.toml', 'utf-8') ?? '') as {
      project: { name: string; description: string; dependencies: string[] };
      tool: { uv: { 'build-backend': { 'module-name': string } } };
    };
    expect(pyproject.project.name).toBe('billing-api');
    expect(pyproject.project.description).toBe('Bills customers monthly for usage');
    expect(pyproject.tool.uv['build-backend']['module-name']).toBe('billing_api');
    expect(tree.exists('apps/billing-api/src/billing_api/app.py')).toBe(true);
  });

  it('honours --directory as the project root, and tells ruff where its first-party code is', async () => {
    tree.write('pyproject.toml', `${ROOT_PYPROJECT}\n[tool.ruff]\nsrc = ["apps/*/src", "libs/*/src"]\n`);
    await pythonServiceGenerator(tree, { name: 'orders', directory: 'services/orders/' });
    expect(tree.exists('services/orders/pyproject.toml')).toBe(true);
    const root = parseToml(tree.read('pyproject.toml', 'utf-8') ?? '') as {
      tool: { uv: { workspace: { members: string[] } }; ruff: { src: string[] } };
    };
    expect(root.tool.uv.workspace.members).toContain('services/orders');
    expect(root.tool.ruff.src).toEqual(['apps/*/src', 'libs/*/src', 'services/orders/src']);
  });

  it('does not list a member that a members glob already covers', async () => {
    tree.write('pyproject.toml', '[tool.uv.workspace]\nmembers = ["apps/*"]\n');
    await pythonServiceGenerator(tree, { name: 'orders' });
    expect(tree.read('pyproject.toml', 'utf-8')).toBe('[tool.uv.workspace]\nmembers = ["apps/*"]\n');
  });

  it('creates a virtual uv workspace root when the workspace has none', async () => {
    tree.delete('pyproject.toml');
    await pythonServiceGenerator(tree, { name: 'orders' });
    expect(parseToml(tree.read('pyproject.toml', 'utf-8') ?? '')).toEqual({
      tool: { uv: { package: false, workspace: { members: ['apps/orders'] } } },
    });
  });

  it('writes a perf scenario that follows the scenario schema of the perf executor', async () => {
    await pythonServiceGenerator(tree, { name: 'orders' });
    const schema = JSON.parse(
      readFileSync(join(__dirname, '../../../../perf/src/executors/perf/scenario.schema.json'), 'utf-8'),
    );
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const scenario = parseYaml(tree.read('apps/orders/perf/load.yml', 'utf-8') ?? '');
    validate(scenario);
    expect(validate.errors ?? []).toEqual([]);
    expect(scenario.service).toMatchObject({
      command: ['python', '-m', 'orders', 'serve'],
      cwd: 'src',
      readiness: { path: '/ready' },
    });
    expect(Object.keys(scenario.config.environments)).toEqual(['ci']);
  });

  describe('refuses, naming the problem, and writes nothing', () => {
    async function refusal(options: Parameters<typeof pythonServiceGenerator>[1]): Promise<string> {
      const before = JSON.stringify(written(tree));
      const error = await pythonServiceGenerator(tree, options).then(
        () => new Error('expected the generator to refuse'),
        (e: Error) => e,
      );
      expect(JSON.stringify(written(tree))).toBe(before);
      return error.message;
    }

    it.each(['Orders', 'orders_api', '1orders', 'orders-', 'my--svc', '', 'a'.repeat(51)])(
      'a malformed name: %j',
      async (name) => {
        expect(await refusal({ name })).toMatch(/kebab-case|name is required/);
      },
    );

    it('a name another Python project has', async () => {
      expect(await refusal({ name: 'service-kit', directory: 'apps/kit' })).toBe(
        'A project named "service-kit" already exists (at libs/service-kit); nothing was written. Choose another name: Nx project names must be unique across the workspace.',
      );
    });

    it('a taken name whose folder exists: the name is the problem to report', async () => {
      expect(await refusal({ name: 'backend' })).toMatch(
        /^A project named "backend" already exists \(at apps\/backend\)/,
      );
    });

    it('a name a project.json project has', async () => {
      addProjectConfiguration(tree, 'frontend', { root: 'apps/frontend' });
      expect(await refusal({ name: 'frontend', directory: 'apps/frontend-api' })).toMatch(
        /"frontend" already exists \(at apps\/frontend\)/,
      );
    });

    it('a folder that is not empty', async () => {
      tree.write('apps/orders/notes.txt', 'mine');
      expect(await refusal({ name: 'orders' })).toMatch(
        /^apps\/orders already exists and is not empty; nothing was written/,
      );
      expect(tree.read('apps/orders/notes.txt', 'utf-8')).toBe('mine');
    });

    it.each(['../outside', '/abs/path', 'apps/./x', 'node_modules/x', '.hidden/x'])(
      'a directory outside the workspace or hidden: %s',
      async (directory) => {
        expect(await refusal({ name: 'orders', directory })).toMatch(/--directory/);
      },
    );

    it.each([
      ['email', /shadows the Python standard library module/],
      ['async', /Python keyword/],
      ['redis', /the locked package "redis" already provides/],
      ['customercare', /the project in apps\/backend already provides/],
    ])('an import package that would shadow another: %s', async (name, message) => {
      expect(await refusal({ name })).toMatch(message);
    });
  });
});

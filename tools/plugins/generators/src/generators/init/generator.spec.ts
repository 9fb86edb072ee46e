import { readJson, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { GATES_SCHEMA_FILE } from '@customercare/nx-core';
import { DEFAULT_GATES } from './default-gates';
import { INFERENCE_PLUGIN, initGenerator, PIPELINE_PLUGINS } from './generator';

function changes(tree: Tree): Record<string, string> {
  return Object.fromEntries(tree.listChanges().map((change) => [change.path, change.content?.toString('utf-8') ?? '']));
}

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('.gitignore', 'node_modules\n/dist');
  });

  it('registers @nxlv/python and every pipeline plugin, writes gates.json and ignores reports/', async () => {
    await initGenerator(tree, { skipInstall: true });
    expect(readNxJson(tree)?.plugins).toEqual([
      { plugin: '@nxlv/python', options: { packageManager: 'uv' } },
      ...PIPELINE_PLUGINS,
    ]);
    expect(tree.read('.gitignore', 'utf-8')).toBe(
      "node_modules\n/dist\n# Reports of the pipeline's gate targets (declared as their outputs)\nreports/\n",
    );
    expect(readJson(tree, 'package.json').devDependencies['@nxlv/python']).toBe('23.1.1');
    const { 'gates.json': gates, 'nx.json': nxJson } = changes(tree);
    expect({ gates, nxJson }).toMatchSnapshot();
  });

  it('writes a gates.json that the gates schema accepts', async () => {
    await initGenerator(tree, { skipInstall: true });
    const validate = new Ajv({ allErrors: true, strict: true }).compile(
      JSON.parse(readFileSync(GATES_SCHEMA_FILE, 'utf8')),
    );
    validate(readJson(tree, 'gates.json'));
    expect(validate.errors ?? []).toEqual([]);
    expect(readJson(tree, 'gates.json').defaults).toEqual(DEFAULT_GATES);
  });

  it('keeps what is there: existing plugin entries, gates.json and the reports/ ignore', async () => {
    updateNxJson(tree, {
      ...readNxJson(tree),
      plugins: [
        '@nx/js/typescript',
        { plugin: '@nxlv/python', options: { packageManager: 'uv', inferDependencies: true } },
      ],
    });
    tree.write('gates.json', '{"defaults": {"coverage": {"min": 95}}}');
    tree.write('.gitignore', '/reports\n');
    await initGenerator(tree, { skipPackageJson: true });
    expect(readNxJson(tree)?.plugins).toEqual([
      '@nx/js/typescript',
      { plugin: '@nxlv/python', options: { packageManager: 'uv', inferDependencies: true } },
      ...PIPELINE_PLUGINS,
    ]);
    expect(tree.read('gates.json', 'utf-8')).toBe('{"defaults": {"coverage": {"min": 95}}}');
    expect(tree.read('.gitignore', 'utf-8')).toBe('/reports\n');
    expect(readJson(tree, 'package.json').devDependencies?.['@nxlv/python']).toBeUndefined();
  });

  it('adds none of the seven plugins where nx.json registers them all as @customercare/nx-inference', async () => {
    const plugins = [
      { plugin: '@nxlv/python', options: { packageManager: 'uv' } },
      { plugin: INFERENCE_PLUGIN, exclude: ['tools/plugins/dast/python/**'] },
    ];
    updateNxJson(tree, { ...readNxJson(tree), plugins });
    await initGenerator(tree, { skipPackageJson: true });
    expect(readNxJson(tree)?.plugins).toEqual(plugins);
  });

  it('changes nothing when run a second time', async () => {
    await initGenerator(tree, { skipInstall: true });
    const first = changes(tree);
    await initGenerator(tree, { skipInstall: true });
    expect(changes(tree)).toEqual(first);
  });
});

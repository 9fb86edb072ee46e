import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createNodesV2 } from './plugin';

const MAIN = join(__dirname, '..', 'index.cjs');

/** Runs `script` in a plain node process, as Nx's plugin worker loads a JavaScript main: no TypeScript loader. */
function inPlainNode(script: string): string {
  return execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

describe('index.cjs, the main Nx loads', () => {
  it('loads the plugins from their TypeScript sources without the TypeScript compiler or @swc-node/register', () => {
    const loaded = JSON.parse(
      inPlainNode(`
        const plugin = require(${JSON.stringify(MAIN)});
        const modules = Object.keys(require.cache);
        console.log(JSON.stringify({
          glob: plugin.createNodesV2[0],
          hooks: ['createNodesV2', 'createNodes', 'createDependencies'].filter((name) => name in plugin),
          typescript: modules.filter((file) => /node_modules[\\\\/](typescript|@swc-node)[\\\\/]/.test(file)),
        }));
      `),
    );
    expect(loaded).toEqual({
      glob: createNodesV2[0],
      hooks: ['createNodesV2', 'createNodes', 'createDependencies'],
      typescript: [],
    });
  });

  it('refuses a .ts file outside the plugins, naming it and the fix', () => {
    const script = `
      require(${JSON.stringify(MAIN)});
      try { require(${JSON.stringify(join(__dirname, '..', '..', '..', 'nx-pipeline-e2e', 'src', 'workspace-copy.ts'))}); }
      catch (error) { console.log(error.message); }
    `;
    expect(inPlainNode(script)).toMatch(
      /workspace-copy\.ts is not a source of the workspace's Nx plugins .*Register a TypeScript loader for it first/,
    );
  });
});

/**
 * Loads the plugins' own TypeScript sources (tools/plugins/<plugin>/**\/*.ts) with @swc/core, for a
 * plugin main written in JavaScript (tools/plugins/inference/index.cjs). For a main that is a .ts
 * file, Nx registers @swc-node/register in the plugin worker and loads the TypeScript compiler to
 * read tsconfig.base.json: 0.35 s of CPU in every `nx` command (docs/benchmarks.md). These sources
 * need neither (no path mappings; tsconfig.base.json sets nothing that changes their JavaScript).
 * Where a .ts loader is registered already (Nx's own, ts-node, Jest), it is left to do the work.
 */
const { readFileSync } = require('node:fs');
const { dirname, sep } = require('node:path');

const PLUGINS = dirname(__dirname) + sep;

function registerTypeScript() {
  if (require.extensions['.ts']) return;
  const { transformSync } = require('@swc/core');
  require.extensions['.ts'] = (module, filename) => {
    if (!filename.startsWith(PLUGINS) || filename.includes(`${sep}node_modules${sep}`)) {
      throw new Error(
        `${filename} is not a source of the workspace's Nx plugins (${PLUGINS}): @customercare/nx-core/typescript.cjs ` +
          'loads only those. Register a TypeScript loader for it first (e.g. node --require @swc-node/register).',
      );
    }
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      sourceMaps: 'inline',
      module: { type: 'commonjs' },
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    });
    module._compile(code, filename);
  };
}

module.exports = { registerTypeScript };

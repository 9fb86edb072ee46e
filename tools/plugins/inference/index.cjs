// The plugin's main is JavaScript so that Nx does not register its TypeScript transpiler in the
// plugin worker (see @customercare/nx-core/typescript.cjs); the plugins' sources load through swc.
require('@customercare/nx-core/typescript.cjs').registerTypeScript();

module.exports = require('./src/index.ts');

/** Fast unit tests of @customercare/nx-core: no system tools (*.integration.spec.ts run in the integration target). */
const { jestConfig } = require('./jest.preset.cjs');

module.exports = jestConfig(__dirname, 'test');

/** Fast unit tests of @customercare/nx-python: no system tools (*.integration.spec.ts run in the integration target). */
const { jestConfig } = require('@customercare/nx-core/jest.preset.cjs');

module.exports = jestConfig(__dirname, 'test');

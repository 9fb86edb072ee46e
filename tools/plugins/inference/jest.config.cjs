/** Fast unit tests of @customercare/nx-inference: no system tools. */
const { jestConfig } = require('@customercare/nx-core/jest.preset.cjs');

module.exports = jestConfig(__dirname, 'test');

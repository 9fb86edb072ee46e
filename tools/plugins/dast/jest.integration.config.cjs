/** Integration tests of @customercare/nx-dast: the real scanners against the vulnerable fixture and the backend. */
const { jestConfig } = require('@customercare/nx-core/jest.preset.cjs');

module.exports = jestConfig(__dirname, 'integration');

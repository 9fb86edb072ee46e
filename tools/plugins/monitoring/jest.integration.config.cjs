/** Integration tests of @customercare/nx-monitoring: promtool, amtool and the live alerting proof. */
const { jestConfig } = require('@customercare/nx-core/jest.preset.cjs');

module.exports = jestConfig(__dirname, 'integration');

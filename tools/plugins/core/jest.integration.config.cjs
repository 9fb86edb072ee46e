/** Integration tests of @customercare/nx-core: real tools (podman, HAProxy, Prometheus, k6, scanners, uv). */
const { jestConfig } = require('./jest.preset.cjs');

module.exports = jestConfig(__dirname, 'integration');

/** Integration tests of @customercare/nx-generators: real tools (podman, HAProxy, Prometheus, k6, scanners, uv). */
const { jestConfig } = require('@customercare/nx-core/jest.preset.cjs');

module.exports = jestConfig(__dirname, 'integration');

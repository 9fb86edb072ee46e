/** End-to-end: the real nx CLI against the cache server on loopback in throw-away workspaces (clone round-trips, tokens, outages), and why-affected on a real workspace. */
module.exports = {
  displayName: 'cache-server-e2e',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.e2e.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 180000,
  coverageDirectory: '../../reports/tools/cache-server/e2e',
  coverageReporters: ['text-summary', 'cobertura', 'lcov'],
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '../../reports/tools/cache-server/e2e',
        outputName: 'junit.xml',
        classNameTemplate: '{classname}',
        titleTemplate: '{title}',
        ancestorSeparator: ' › ',
      },
    ],
  ],
};

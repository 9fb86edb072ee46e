/** Unit and integration tests: server, storage backends (fs, S3 via s3rver), eviction, CLI, the pipeline's cache probe, why-affected's reasons, the workflows. */
module.exports = {
  displayName: 'cache-server',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  // *.e2e.spec.ts run real nx in throw-away workspaces: the e2e target (jest.e2e.config.cjs).
  // *.graph.spec.ts reads the whole workspace graph: the check-workflows target (jest.workflows.config.cjs).
  testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.spec\\.ts$', '\\.graph\\.spec\\.ts$'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 180000,
  coverageDirectory: '../../reports/tools/cache-server/test',
  coverageReporters: ['text-summary', 'cobertura', 'lcov'],
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '../../reports/tools/cache-server/test',
        outputName: 'junit.xml',
        classNameTemplate: '{classname}',
        titleTemplate: '{title}',
        ancestorSeparator: ' › ',
      },
    ],
  ],
};

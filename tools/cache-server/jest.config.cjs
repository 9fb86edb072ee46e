/** Server, storage backends (fs, S3 via s3rver), eviction, CLI, the pipeline's cache probe, the workflows, and Nx clone round-trips. */
module.exports = {
  displayName: 'cache-server',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 180000,
  coverageDirectory: '../../reports/tools/cache-server/test',
  coverageReporters: ['text-summary', 'cobertura', 'lcov'],
  reporters: ['default', ['jest-junit', { outputDirectory: '../../reports/tools/cache-server/test', outputName: 'junit.xml' }]],
};

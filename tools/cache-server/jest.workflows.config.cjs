/** The workflows against the whole project graph (cache-server:check-workflows; see src/workflows.graph.spec.ts). */
module.exports = {
  displayName: 'check-workflows',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.graph.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 180000,
  reporters: ['default', ['jest-junit', { outputDirectory: '../../reports/tools/cache-server/check-workflows', outputName: 'junit.xml', classNameTemplate: '{classname}', titleTemplate: '{title}', ancestorSeparator: ' › ' }]],
};

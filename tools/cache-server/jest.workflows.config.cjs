/** Checks that read the whole workspace (cache-server:check-workflows, never cached): the workflows against the project graph (src/workflows.graph.spec.ts) and the repository rules (src/repository-rules.graph.spec.ts). */
module.exports = {
  displayName: 'check-workflows',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.graph.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 180000,
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '../../reports/tools/cache-server/check-workflows',
        outputName: 'junit.xml',
        classNameTemplate: '{classname}',
        titleTemplate: '{title}',
        ancestorSeparator: ' › ',
      },
    ],
  ],
};

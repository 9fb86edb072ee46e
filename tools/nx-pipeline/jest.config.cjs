/** Unit and integration tests of the plugin: inference, argv building, gates, executors on fixtures. */
module.exports = {
  displayName: 'nx-pipeline',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  coverageDirectory: '../../reports/tools/nx-pipeline/test',
  coverageReporters: ['text-summary', 'cobertura', 'lcov'],
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '../../reports/tools/nx-pipeline/test',
        outputName: 'junit.xml',
        classNameTemplate: '{classname}',
        titleTemplate: '{title}',
        ancestorSeparator: ' › ',
      },
    ],
  ],
};

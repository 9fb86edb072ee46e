/** End-to-end tests: each one copies the workspace to a temp folder and runs the real nx CLI there. */
module.exports = {
  displayName: 'nx-pipeline-e2e',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 600000,
  maxWorkers: 1,
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '../../reports/tools/nx-pipeline-e2e/test',
        outputName: 'junit.xml',
        classNameTemplate: '{classname}',
        titleTemplate: '{title}',
        ancestorSeparator: ' › ',
      },
    ],
  ],
};

/**
 * The Jest settings every plugin under tools/plugins shares (required as @customercare/nx-core/jest.preset.cjs). Each plugin has two targets:
 * `test` (jest.config.cjs: fast unit tests, `*.spec.ts`, no system tools) and `integration`
 * (jest.integration.config.cjs: `*.integration.spec.ts`, real tools). Both write JUnit and
 * coverage under reports/<projectRoot>/<target>/.
 */
const { relative } = require('node:path');

function jestConfig(projectDir, target) {
  const projectRoot = relative(`${__dirname}/../../..`, projectDir);
  // Relative to the project (Jest resolves it from rootDir): @nx/jest infers the target's outputs from it.
  const reports = `${relative(projectDir, `${__dirname}/../../..`)}/reports/${projectRoot}/${target}`;
  const integration = target === 'integration';
  return {
    displayName: `${projectRoot.split('/').pop()}:${target}`,
    rootDir: projectDir,
    testEnvironment: 'node',
    roots: ['<rootDir>/src'],
    testMatch: integration ? ['**/*.integration.spec.ts'] : ['**/*.spec.ts'],
    testPathIgnorePatterns: integration ? ['/node_modules/'] : ['/node_modules/', '\\.integration\\.spec\\.ts$'],
    transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    testTimeout: integration ? 300000 : 30000,
    coverageDirectory: reports,
    coverageReporters: ['text-summary', 'cobertura', 'lcov'],
    reporters: [
      'default',
      [
        'jest-junit',
        {
          outputDirectory: `${projectDir}/${reports}`,
          outputName: 'junit.xml',
          classNameTemplate: '{classname}',
          titleTemplate: '{title}',
          ancestorSeparator: ' › ',
        },
      ],
    ],
  };
}

module.exports = { jestConfig };

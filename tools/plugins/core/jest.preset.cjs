/**
 * The Jest settings every plugin under tools/plugins shares (required as @customercare/nx-core/jest.preset.cjs). Each plugin has two targets:
 * `test` (jest.config.cjs: fast unit tests, `*.spec.ts`, no system tools) and `integration`
 * (jest.integration.config.cjs: `*.integration.spec.ts`, real tools). Both write JUnit and
 * coverage under reports/<projectRoot>/<target>/.
 */
const { existsSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

/**
 * The workspace that holds `projectDir` (its nearest folder with an nx.json). Not this file's own
 * folder: a copy of the workspace that links the original's node_modules (the e2e tests) loads this
 * file from the original, and paths computed from it would name the original's folder.
 */
function workspaceRootOf(projectDir) {
  for (let dir = projectDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No nx.json above ${projectDir}: jestConfig needs the project's folder`);
  }
}

function jestConfig(projectDir, target) {
  const workspaceRoot = workspaceRootOf(projectDir);
  const projectRoot = relative(workspaceRoot, projectDir);
  // Relative to the project (Jest resolves it from rootDir): @nx/jest infers the target's outputs from
  // it, and an absolute path would enter the task's Nx hash, different in every checkout.
  const reports = `${relative(projectDir, workspaceRoot)}/reports/${projectRoot}/${target}`;
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

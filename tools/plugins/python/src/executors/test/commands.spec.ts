import { buildPytestCommand, describePytestExit } from './commands';

describe('buildPytestCommand', () => {
  it('runs pytest with coverage and every report under the reports directory', () => {
    expect(
      buildPytestCommand({
        workspaceRoot: '/ws',
        projectRoot: 'apps/api',
        venv: '.venv',
        coverageSources: ['src'],
        pytestArgs: ['-k', 'health'],
        reportsDirectory: 'reports/apps/api/test',
      }),
    ).toEqual({
      label: 'pytest',
      command: '/ws/.venv/bin/python',
      args: [
        '-m',
        'pytest',
        '--junitxml=/ws/reports/apps/api/test/junit.xml',
        '-o',
        'junit_family=xunit2',
        '--cov=src',
        '--cov-report=term-missing:skip-covered',
        '--cov-report=xml:/ws/reports/apps/api/test/coverage.xml',
        '--cov-report=lcov:/ws/reports/apps/api/test/lcov.info',
        '--cov-report=json:/ws/reports/apps/api/test/coverage.json',
        '-p',
        'no:cacheprovider',
        '-rfE',
        '-k',
        'health',
      ],
      cwd: '/ws/apps/api',
      env: { COVERAGE_FILE: '/ws/reports/apps/api/test/.coverage' },
    });
  });
});

describe('describePytestExit', () => {
  it.each([
    [0, 'all tests passed'],
    [1, 'some tests failed'],
    [4, 'bad arguments'],
    [5, 'no tests were collected'],
    [9, 'exited with code 9'],
  ])('explains exit code %i', (code, text) => {
    expect(describePytestExit(code)).toContain(text);
  });
});

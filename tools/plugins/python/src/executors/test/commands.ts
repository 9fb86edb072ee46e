import { join } from 'node:path';
import type { ToolCommand } from '@customercare/nx-core';
import { venvBin } from '@customercare/nx-core';

export interface TestPlan {
  workspaceRoot: string;
  projectRoot: string;
  venv: string;
  coverageSources: string[];
  pytestArgs: string[];
  reportsDirectory: string;
}

/** The report files a test run writes, relative to its reports directory. */
export const TEST_REPORTS = {
  junit: 'junit.xml',
  cobertura: 'coverage.xml',
  lcov: 'lcov.info',
  coverageJson: 'coverage.json',
} as const;

/** pytest's argv for one project. Pure, so it is tested without running pytest. */
export function buildPytestCommand(plan: TestPlan): ToolCommand {
  const reports = join(plan.workspaceRoot, plan.reportsDirectory);
  return {
    label: 'pytest',
    command: venvBin(plan.workspaceRoot, plan.venv, 'python'),
    args: [
      '-m',
      'pytest',
      `--junitxml=${join(reports, TEST_REPORTS.junit)}`,
      '-o',
      'junit_family=xunit2',
      ...plan.coverageSources.map((source) => `--cov=${source}`),
      '--cov-report=term-missing:skip-covered',
      `--cov-report=xml:${join(reports, TEST_REPORTS.cobertura)}`,
      `--cov-report=lcov:${join(reports, TEST_REPORTS.lcov)}`,
      `--cov-report=json:${join(reports, TEST_REPORTS.coverageJson)}`,
      '-p',
      'no:cacheprovider',
      '-rfE',
      ...plan.pytestArgs,
    ],
    cwd: join(plan.workspaceRoot, plan.projectRoot),
    // Coverage's data file would otherwise land in the project folder, which is a task input.
    env: { COVERAGE_FILE: join(reports, '.coverage') },
  };
}

/** What pytest's exit code means (https://docs.pytest.org/en/stable/reference/exit-codes.html). */
export function describePytestExit(code: number): string {
  switch (code) {
    case 0:
      return 'all tests passed';
    case 1:
      return 'some tests failed (listed above under "short test summary info")';
    case 2:
      return 'the run was interrupted';
    case 3:
      return 'pytest hit an internal error';
    case 4:
      return 'pytest was called with bad arguments: check `pytestArgs` and [tool.pytest.ini_options]';
    case 5:
      return 'no tests were collected: add tests under tests/ (test_*.py) or fix `testpaths`';
    default:
      return `pytest exited with code ${code}`;
  }
}

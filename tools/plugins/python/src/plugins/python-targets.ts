import type { TargetConfiguration } from '@nx/devkit';

export interface PythonTargetOptions {
  /** The uv.lock packages each target runs, as `pypi:<name>` external nodes (see uv-lock.ts). */
  tools?: { lint: string[]; test: string[] };
  /** The project's own locked packages (uv-lock.ts lockedPackagesOf). */
  packages?: string[];
  lintTargetName: string;
  testTargetName: string;
  venv: string;
}

/** The lint and test targets every Python project gets (scan comes from @customercare/nx-scan). Options stay overridable from project.json or nx.json. */
export function buildPythonTargets(
  projectRoot: string,
  options: PythonTargetOptions,
): Record<string, TargetConfiguration> {
  // The project's locked packages and the tools each target runs, as pypi: external nodes (see
  // uv-lock.ts). Neither the root pyproject.toml nor uv.lock is an input, so a new uv member
  // affects no other project, and a dependency bump re-runs only the projects that lock it.
  const packages = options.packages ?? [];
  const tools = (names: string[] | undefined) => {
    const all = [...new Set([...(names ?? []), ...packages])];
    return all.length > 0 ? [{ externalDependencies: all }] : [];
  };
  const reports = (target: string) => `reports/${projectRoot === '.' ? 'root' : projectRoot}/${target}`;
  return {
    [options.lintTargetName]: {
      executor: '@customercare/nx-python:lint',
      options: { venv: options.venv, reportsDirectory: reports(options.lintTargetName) },
      cache: true,
      inputs: ['default', '^production', '{workspaceRoot}/ruff.toml', ...tools(options.tools?.lint)],
      outputs: ['{options.reportsDirectory}'],
      metadata: {
        technologies: ['python', 'ruff', 'mypy'],
        description: 'Lint with ruff check and ruff format --check, type-check with mypy --strict',
        help: {
          command: '.venv/bin/ruff check --help',
          example: { options: { strict: false, paths: ['src'] } },
        },
      },
    },
    [options.testTargetName]: {
      executor: '@customercare/nx-python:test',
      options: { venv: options.venv, reportsDirectory: reports(options.testTargetName) },
      cache: true,
      inputs: ['default', '^production', '{workspaceRoot}/gates.json', ...tools(options.tools?.test)],
      outputs: ['{options.reportsDirectory}'],
      metadata: {
        technologies: ['python', 'pytest'],
        description: 'Run pytest with coverage (JUnit, Cobertura, LCOV) and enforce the coverage gate from gates.json',
        help: {
          command: '.venv/bin/pytest --help',
          example: { options: { pytestArgs: ['-k', 'health'] } },
        },
      },
    },
  };
}

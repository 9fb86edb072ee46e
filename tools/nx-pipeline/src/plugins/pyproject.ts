import type { TargetConfiguration } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { buildScanTarget } from './scan-target';

export interface PyprojectSummary {
  /** `[project].name`, or undefined for a workspace root or other non-project pyproject.toml. */
  name?: string;
  description?: string;
}

export class PyprojectError extends Error {
  override name = 'PyprojectError';
}

/** Reads what inference needs from a pyproject.toml, naming the file and line on a syntax error. */
export function readPyproject(workspaceRoot: string, file: string): PyprojectSummary {
  const text = readFileSync(join(workspaceRoot, file), 'utf8');
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new PyprojectError(
        `${file}:${error.line}:${error.column}: not valid TOML: ${error.message.split('\n')[0]}. Fix the file, then run the command again.`,
      );
    }
    throw error;
  }
  const project = data['project'];
  if (project === undefined) return {};
  if (typeof project !== 'object' || project === null || Array.isArray(project)) {
    throw new PyprojectError(`${file}: [project] must be a table (PEP 621).`);
  }
  const { name, description } = project as Record<string, unknown>;
  if (typeof name !== 'string' || !isPackageName(name)) {
    throw new PyprojectError(
      `${file}: [project].name must be a valid Python package name (letters, digits, ".", "_", "-"); got ${JSON.stringify(name)}.`,
    );
  }
  return { name, description: typeof description === 'string' ? description : undefined };
}

/** PEP 508 names: letters and digits, with ".", "_" or "-" inside (never at either end). */
function isPackageName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && /[A-Za-z0-9]$/.test(name);
}

export interface PythonTargetOptions {
  lintTargetName: string;
  testTargetName: string;
  scanTargetName: string;
  venv: string;
}

/** The targets every Python project gets. Options stay overridable from project.json or nx.json. */
export function buildPythonTargets(
  projectRoot: string,
  options: PythonTargetOptions,
): Record<string, TargetConfiguration> {
  // The workspace's Python tool settings and the one lockfile that pins every Python dependency.
  const pythonInputs = ['{workspaceRoot}/pyproject.toml', '{workspaceRoot}/uv.lock'];
  const reports = (target: string) => `reports/${projectRoot === '.' ? 'root' : projectRoot}/${target}`;
  return {
    [options.lintTargetName]: {
      executor: '@customercare/nx-pipeline:lint',
      options: { venv: options.venv, reportsDirectory: reports(options.lintTargetName) },
      cache: true,
      inputs: ['default', '^production', ...pythonInputs],
      outputs: ['{options.reportsDirectory}'],
      metadata: {
        technologies: ['python', 'ruff', 'mypy'],
        description: 'Lint with ruff check and ruff format --check, type-check with mypy --strict',
        help: {
          command: 'uv run ruff check --help',
          example: { options: { strict: false, paths: ['src'] } },
        },
      },
    },
    [options.testTargetName]: {
      executor: '@customercare/nx-pipeline:test',
      options: { venv: options.venv, reportsDirectory: reports(options.testTargetName) },
      cache: true,
      inputs: ['default', '^production', '{workspaceRoot}/gates.json', ...pythonInputs],
      outputs: ['{options.reportsDirectory}'],
      metadata: {
        technologies: ['python', 'pytest'],
        description: 'Run pytest with coverage (JUnit, Cobertura, LCOV) and enforce the coverage gate from gates.json',
        help: {
          command: 'uv run pytest --help',
          example: { options: { pytestArgs: ['-k', 'health'] } },
        },
      },
    },
    [options.scanTargetName]: buildScanTarget('python', reports(options.scanTargetName), {
      venv: options.venv,
      lockfileInputs: pythonInputs,
    }),
  };
}

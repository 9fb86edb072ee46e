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
  /** The uv.lock packages each target runs, as `pypi:<name>` external nodes (see uv-lock.ts). */
  tools?: { lint: string[]; test: string[]; scan: string[] };
  /** The project's own locked packages (uv-lock.ts lockedPackagesOf). */
  packages?: string[];
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
      executor: '@customercare/nx-pipeline:lint',
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
      executor: '@customercare/nx-pipeline:test',
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
    [options.scanTargetName]: buildScanTarget('python', reports(options.scanTargetName), {
      venv: options.venv,
      // The SBOM, licence and advisory checks read the project's locked packages.
      dependencyInputs: [],
      tools: [...new Set([...(options.tools?.scan ?? []), ...packages])],
    }),
  };
}

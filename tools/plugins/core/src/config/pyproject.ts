import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';

export interface PyprojectSummary {
  /** `[project].name`, or undefined for a workspace root or other non-project pyproject.toml. */
  name?: string;
  description?: string;
  /** `[project].version` (absent when the project declares none or takes it dynamically). */
  version?: string;
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
  const { name, description, version } = project as Record<string, unknown>;
  if (typeof name !== 'string' || !isPackageName(name)) {
    throw new PyprojectError(
      `${file}: [project].name must be a valid Python package name (letters, digits, ".", "_", "-"); got ${JSON.stringify(name)}.`,
    );
  }
  return {
    name,
    description: typeof description === 'string' ? description : undefined,
    ...(typeof version === 'string' ? { version } : {}),
  };
}

/** PEP 508 names: letters and digits, with ".", "_" or "-" inside (never at either end). */
function isPackageName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && /[A-Za-z0-9]$/.test(name);
}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gatesForProject, GATES_FILE, loadGates } from './load';

/** Walks up from `from` to the folder holding gates.json (the workspace root). */
function findWorkspaceRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, GATES_FILE))) return folder;
    if (dirname(folder) === folder) {
      throw new Error(`No ${GATES_FILE} found at or above ${from}: pass the workspace root to coverageThresholds().`);
    }
  }
}

/**
 * Vitest's (and Jest's) coverage thresholds from gates.json, so TypeScript projects gate on the same
 * number as Python ones:
 *
 *   // vite.config.ts
 *   import { coverageThresholds } from '../../tools/nx-pipeline/src/gates/vitest';
 *   test: { coverage: { thresholds: coverageThresholds('frontend', __dirname) } }
 */
export function coverageThresholds(
  project: string,
  from: string = process.cwd(),
): { lines: number; statements: number; branches: number; functions: number } {
  const min = gatesForProject(loadGates(findWorkspaceRoot(from)), project).coverage.min;
  return { lines: min, statements: min, branches: min, functions: min };
}

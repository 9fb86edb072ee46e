// What every TypeScript project's Vitest run shares: JUnit and coverage reports under
// reports/<projectRoot>/test (declared as the test target's outputs) and the coverage gate read from
// gates.json through the pipeline plugin's own loader, so the threshold has one source of truth.
import { join } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';
import { gatesForProject, loadGates } from './tools/nx-pipeline/src/gates/load';

const workspaceRoot = import.meta.dirname;

export function sharedTestConfig(project: { name: string; root: string }): NonNullable<ViteUserConfig['test']> {
  const reports = join(workspaceRoot, 'reports', project.root, 'test');
  const { min } = gatesForProject(loadGates(workspaceRoot), project.name).coverage;
  return {
    name: project.name,
    reporters: ['default', 'junit'],
    outputFile: { junit: join(reports, 'junit.xml') },
    coverage: {
      enabled: true,
      provider: 'v8',
      reporter: ['text-summary', 'cobertura', 'lcov', 'json-summary'],
      reportsDirectory: join(reports, 'coverage'),
      thresholds: { lines: min, statements: min, functions: min, branches: min },
    },
  };
}

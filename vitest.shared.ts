// What every TypeScript project's Vitest run shares: JUnit and coverage reports under
// reports/<projectRoot>/test (declared as the test target's outputs), the coverage gate read from
// gates.json through the pipeline plugin's own loader (one source of truth for the threshold), and
// that gate's GateResult written beside the reports for the pipeline's gates table.
import { join, relative } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';
import type { Reporter } from 'vitest/reporters';
import { gatesForProject, loadGates } from './tools/plugins/core/src/gates/load';
import { writeGateResults } from './tools/plugins/core/src/reports/gate-results';

const workspaceRoot = import.meta.dirname;
const METRICS = ['lines', 'statements', 'functions', 'branches'] as const;

interface CoverageSummary {
  getCoverageSummary(): Record<(typeof METRICS)[number], { pct: number | 'Unknown' }>;
}

/** Writes the coverage GateResult: the lowest of the four metrics Vitest enforces, against the gate. */
export function coverageGateReporter(project: string, reports: string, min: number): Reporter {
  return {
    onCoverage(coverage) {
      const summary = (coverage as CoverageSummary).getCoverageSummary();
      // An empty run has no percentages (istanbul says "Unknown"): that is no coverage, not full coverage.
      const [metric, measured] = METRICS.map((m) => [m, Number(summary[m].pct) || 0] as const).reduce((low, next) =>
        next[1] < low[1] ? next : low,
      );
      const passed = measured >= min;
      writeGateResults(reports, [
        {
          project,
          gate: 'coverage',
          measured,
          threshold: min,
          passed,
          report: relative(workspaceRoot, join(reports, 'coverage', 'cobertura-coverage.xml')),
          ...(!passed && {
            reason: `${metric} coverage is ${measured} %, under ${min} %: test the uncovered code listed in coverage/lcov-report, or change gates.json (projects.${project}.coverage.min)`,
          }),
        },
      ]);
    },
  };
}

export function sharedTestConfig(project: { name: string; root: string }): NonNullable<ViteUserConfig['test']> {
  const reports = join(workspaceRoot, 'reports', project.root, 'test');
  const { min } = gatesForProject(loadGates(workspaceRoot), project.name).coverage;
  return {
    name: project.name,
    reporters: ['default', 'junit', coverageGateReporter(project.name, reports, min)],
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

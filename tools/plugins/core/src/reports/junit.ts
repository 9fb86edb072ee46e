import junitBuilder from 'junit-report-builder';

export interface JUnitCase {
  className: string;
  name: string;
  /** A failure message: the case failed. */
  failure?: string;
  /** The case did not run (a scanner that could not run); the reason goes to its output. */
  skipped?: string;
  file?: string;
  timeSeconds?: number;
}

/** Writes one JUnit XML test suite (what CI systems and GitHub's test reporters read). */
export function writeJUnit(path: string, suiteName: string, cases: readonly JUnitCase[]): void {
  const builder = junitBuilder.newBuilder();
  const suite = builder.testSuite().name(suiteName);
  for (const c of cases) {
    const testCase = suite.testCase().className(c.className).name(c.name);
    if (c.file) testCase.file(c.file);
    if (c.timeSeconds !== undefined) testCase.time(c.timeSeconds);
    if (c.failure) testCase.failure(c.failure);
    if (c.skipped) testCase.skipped().standardOutput(c.skipped);
  }
  builder.writeTo(path);
}

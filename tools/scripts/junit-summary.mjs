// Counts the test cases in every JUnit XML report under reports/, per project, so `npm test`
// can end with one line a person (and CI) can read: "N passed, N failed, N skipped".
import { XMLParser } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { globSync } from 'tinyglobby';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => name === 'testsuite' || name === 'testcase',
});

/** Totals of one JUnit file, counted from its test cases (suite attributes differ between tools). */
export function countJUnit(xml) {
  const doc = parser.parse(xml);
  const root = doc.testsuites ?? doc;
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const failures = [];
  for (const suite of root.testsuite ?? []) {
    for (const testcase of suite.testcase ?? []) {
      if (testcase.failure !== undefined || testcase.error !== undefined) {
        totals.failed += 1;
        failures.push(`${testcase.classname ?? suite.name ?? ''} ${testcase.name}`.trim());
      } else if (testcase.skipped !== undefined) {
        totals.skipped += 1;
      } else {
        totals.passed += 1;
      }
    }
  }
  return { ...totals, failures };
}

/** Every JUnit report under `reportsDir`, grouped by the folder (project root + target) it sits in. */
export function summarizeReports(reportsDir = 'reports') {
  const rows = [];
  for (const file of globSync(`${reportsDir}/**/*junit*.xml`).sort()) {
    rows.push({ file, ...countJUnit(readFileSync(file, 'utf8')) });
  }
  return rows;
}

export function formatSummary(rows) {
  const lines = [];
  const total = { passed: 0, failed: 0, skipped: 0 };
  const width = Math.max(10, ...rows.map((r) => r.file.length));
  lines.push(`${'report'.padEnd(width)}  passed  failed  skipped`);
  for (const row of rows) {
    lines.push(
      `${row.file.padEnd(width)}  ${String(row.passed).padStart(6)}  ${String(row.failed).padStart(6)}  ${String(row.skipped).padStart(7)}`,
    );
    for (const failure of row.failures) lines.push(`  FAILED ${failure}`);
    total.passed += row.passed;
    total.failed += row.failed;
    total.skipped += row.skipped;
  }
  return { text: lines.join('\n'), total };
}

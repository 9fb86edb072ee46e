import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import dastExecutor from './executor';
import { executorContext } from '@customercare/nx-core/testing';

/** The real workspace: its gates.json, suppressions file, .venv and the DAST tools setup installed. */
const WORKSPACE = resolve(__dirname, '../../../../../..');
/** Every scanner's time limit end to end, with the service starts (the budgets in dast.yml bound each). */
const RUN_TIMEOUT_MS = 15 * 60_000;
const FIXTURE_ROOT = 'tools/plugins/dast/src/__fixtures__/vulnerable-service';

const contextFor = (project: string, root: string) => executorContext(WORKSPACE, project, root, 'dast');

interface Report {
  grade: string;
  findings: Array<{ tool: string; ruleId: string; file: string; severity: string; suppressed?: unknown }>;
  scanners: Array<{ scanner: string; status: string; reason?: string }>;
  gates: Array<{ gate: string; measured: string; passed: boolean }>;
}

function readReport(directory: string): Report {
  return JSON.parse(readFileSync(join(WORKSPACE, directory, 'scan.json'), 'utf8')) as Report;
}

const found = (report: Report, tool: string, ruleId: string, file: string) =>
  report.findings.some((f) => f.tool === tool && f.ruleId === ruleId && f.file === file);

describe('dast executor', () => {
  it(
    'names every planted flaw of the vulnerable fixture by the scanner that found it, and fails the gate',
    async () => {
      // Outside reports/: the fixture's own JUnit holds the failures this test expects, and npm test's
      // summary counts every junit.xml under reports/.
      const reportsDirectory = 'tmp/dast-integration/vulnerable-service';
      const result = await dastExecutor({ reportsDirectory }, contextFor('vulnerable-service', FIXTURE_ROOT));
      const report = readReport(reportsDirectory);

      expect(result.success).toBe(false);
      // schemathesis: the 500 on a crafted body, and the route that sends no security headers.
      expect(found(report, 'schemathesis', 'ST101', 'POST /orders')).toBe(true);
      expect(found(report, 'schemathesis', 'ST901:security_headers', 'GET /hello')).toBe(true);
      // wapiti: SQL built from strings, and input reflected into HTML.
      expect(found(report, 'wapiti', 'SQL Injection', 'GET /items')).toBe(true);
      expect(found(report, 'wapiti', 'Reflected Cross Site Scripting', 'GET /hello')).toBe(true);
      // sqlmap: the injectable query parameter.
      expect(found(report, 'sqlmap', 'sql-injection', 'GET /items')).toBe(true);
      // No container registry here: ZAP says why it did not run, and is never clean.
      const zap = report.scanners.find((s) => s.scanner === 'zap');
      expect(zap?.status).toBe('not-run');
      expect(zap?.reason).toMatch(/^no container registry reachable/);
      expect(report.grade).toBe('F');
      expect(report.gates.find((g) => g.gate === 'dast-grade')).toMatchObject({ measured: 'F', passed: false });

      const sarif = JSON.parse(readFileSync(join(WORKSPACE, reportsDirectory, 'scan.sarif'), 'utf8')) as {
        version: string;
        runs: Array<{ tool: { driver: { name: string } }; results: unknown[] }>;
      };
      expect(sarif.version).toBe('2.1.0');
      expect(sarif.runs.map((run) => run.tool.driver.name)).toEqual(
        expect.arrayContaining(['schemathesis', 'wapiti', 'sqlmap', 'zap']),
      );
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'passes on the backend with grade A',
    async () => {
      const reportsDirectory = 'reports/tools/plugins/dast/integration/backend';
      const result = await dastExecutor({ reportsDirectory }, contextFor('backend', 'apps/backend'));
      const report = readReport(reportsDirectory);

      expect(report.findings.filter((f) => !f.suppressed && f.severity !== 'low' && f.severity !== 'info')).toEqual([]);
      expect(report.grade).toBe('A');
      for (const name of ['schemathesis', 'wapiti', 'sqlmap'])
        expect(report.scanners.find((s) => s.scanner === name)?.status).toBe('ran');
      expect(result.success).toBe(true);
    },
    RUN_TIMEOUT_MS,
  );
});

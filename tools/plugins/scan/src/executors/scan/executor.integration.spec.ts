import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateResult, ScannerName } from '@customercare/nx-core';
import { fixtureContext, WORKSPACE_ROOT } from '@customercare/nx-core/testing';
import scanExecutor from './executor';

const FIXTURES = join(__dirname, '__fixtures__');
const PYPROJECT = '[project]\nname = "fixture"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n';

/**
 * A throw-away workspace with one fixture project at apps/fixture, the real gates.json (the
 * fixture's required scanners overridden), the real security/ folder (suppressions replaced), and
 * links to the real .venv, .cache/bin (semgrep, gitleaks) and node_modules, so real tools run.
 */
function scanWorkspace(fixture: string, required: ScannerName[], suppressions = 'suppressions: []\n') {
  const root = mkdtempSync(join(tmpdir(), 'nx-pipeline-scan-'));
  for (const link of ['.venv', 'node_modules']) symlinkSync(join(WORKSPACE_ROOT, link), join(root, link));
  mkdirSync(join(root, '.cache'));
  symlinkSync(join(WORKSPACE_ROOT, '.cache', 'bin'), join(root, '.cache', 'bin'));
  const gates = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'gates.json'), 'utf8'));
  gates.projects = { fixture: { security: { requiredScanners: required } } };
  writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
  cpSync(join(WORKSPACE_ROOT, 'security'), join(root, 'security'), { recursive: true });
  writeFileSync(join(root, 'security', 'suppressions.yaml'), suppressions);
  cpSync(join(FIXTURES, fixture), join(root, 'apps', 'fixture'), { recursive: true });
  if (fixture.startsWith('python-')) writeFileSync(join(root, 'apps', 'fixture', 'pyproject.toml'), PYPROJECT);
  const context = fixtureContext(root);
  const read = (file: string) => readFileSync(join(root, 'reports/apps/fixture/scan', file), 'utf8');
  const gate = (name: string) =>
    (JSON.parse(read('gate-results.json')) as GateResult[]).find((g) => g.gate === name) as GateResult;
  return { root, context, read, gate };
}

function sarifValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
  );
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('scan executor (real bandit, semgrep and gitleaks runs on fixture projects)', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('fails on a high-severity bandit and semgrep finding, with a one-line reason, and writes valid SARIF', async () => {
    const ws = scanWorkspace('python-findings', ['bandit', 'semgrep']);
    root = ws.root;
    await expect(scanExecutor({ scanners: ['bandit', 'semgrep'] }, ws.context)).resolves.toEqual({ success: false });

    const grade = ws.gate('security-grade');
    expect(grade).toMatchObject({
      project: 'fixture',
      measured: 'D',
      threshold: 'A',
      passed: false,
      report: 'reports/apps/fixture/scan/scan.md',
    });
    expect(grade.reason).toMatch(
      /^2 high, 1 low: high bandit B602 at apps\/fixture\/src\/fixture\/run\.py:5; high semgrep python-subprocess-shell-true at apps\/fixture\/src\/fixture\/run\.py:5$/,
    );
    expect(ws.gate('required-scanners')).toMatchObject({ measured: '2/2 ran', passed: true });

    const sarif = JSON.parse(ws.read('scan.sarif'));
    const validate = sarifValidator();
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    expect(sarif.runs.map((run: { tool: { driver: { name: string } } }) => run.tool.driver.name)).toEqual([
      'bandit',
      'semgrep',
      'gitleaks',
      'licences',
      'sbom',
      'pip-audit',
      'osv-scanner',
      'trivy',
      'dependency-age',
    ]);
    for (const file of ['scan.json', 'scan.md', 'scan.html', 'junit.xml'])
      expect(existsSync(join(root, 'reports/apps/fixture/scan', file))).toBe(true);
    expect(ws.read('junit.xml')).toMatch(/<testcase classname="scan\.fixture" name="bandit"[^>]*>\s*<failure/);
    expect(ws.read('scan.md')).toMatch(
      /\| gitleaks \| secrets \| not run: not selected by the target's `scanners` option \| no \|/,
    );
  });

  it('passes once a reviewed, unexpired suppression covers the finding', async () => {
    const suppressions = [
      'suppressions:',
      '  - { tool: bandit, ruleId: B602, path: "apps/fixture/**", reason: "fixture runs a fixed command", expires: "2999-01-01" }',
      '  - { tool: bandit, ruleId: B602, path: "apps/other/**", reason: "an entry that has run out", expires: "2000-01-01" }',
    ].join('\n');
    const ws = scanWorkspace('python-findings', ['bandit'], suppressions);
    root = ws.root;
    await expect(scanExecutor({ scanners: ['bandit'] }, ws.context)).resolves.toEqual({ success: true });
    const summary = JSON.parse(ws.read('scan.json'));
    expect(summary).toMatchObject({ grade: 'A', suppressed: 1, expiredSuppressions: [{ path: 'apps/other/**' }] });
    const results = JSON.parse(ws.read('scan.sarif')).runs[0].results;
    expect(results.find((r: { ruleId: string }) => r.ruleId === 'B602').suppressions[0].justification).toBe(
      'fixture runs a fixed command (expires 2999-01-01)',
    );
  });

  it('fails on a planted private key (generated here, never stored) with grade F', async () => {
    const ws = scanWorkspace('python-clean', ['gitleaks']);
    root = ws.root;
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(join(root, 'apps/fixture/src/fixture/deploy_key.pem'), privateKey);
    await expect(scanExecutor({ scanners: ['gitleaks'] }, ws.context)).resolves.toEqual({ success: false });
    expect(ws.gate('security-grade')).toMatchObject({ measured: 'F', passed: false });
    expect(ws.gate('security-grade').reason).toMatch(
      /^1 critical: critical gitleaks private-key at apps\/fixture\/src\/fixture\/deploy_key\.pem:1$/,
    );
    expect(ws.read('raw/gitleaks.json')).not.toContain(privateKey.split('\n')[1]);
  });

  it('fails on a disallowed licence deep in the shipped dependencies, ignoring dev-only packages', async () => {
    const ws = scanWorkspace('npm-copyleft', ['licences']);
    root = ws.root;
    await expect(scanExecutor({ scanners: ['licences'] }, ws.context)).resolves.toEqual({ success: false });
    expect(ws.gate('security-grade')).toMatchObject({ measured: 'D', passed: false });
    expect(ws.gate('security-grade').reason).toBe(
      '1 high: high licences licence-not-allowed at apps/fixture/package-lock.json:1',
    );
    const summary = JSON.parse(ws.read('scan.json'));
    expect(summary.findings.map((f: { message: string }) => f.message.split(' (')[0])).toEqual(['copyleft-lib 2.1.0']);
  });

  it('fails on eval in TypeScript/JavaScript (real ESLint with eslint-plugin-security), ignoring the inline disable', async () => {
    const ws = scanWorkspace('npm-eval', ['eslint-security']);
    root = ws.root;
    await expect(scanExecutor({ scanners: ['eslint-security'] }, ws.context)).resolves.toEqual({ success: false });
    expect(ws.gate('security-grade')).toMatchObject({ measured: 'D', passed: false });
    expect(ws.gate('security-grade').reason).toBe(
      '1 high: high eslint-security security/detect-eval-with-expression at apps/fixture/src/calculator.mjs:4',
    );
  });

  it('fails when a required scanner could not run, saying why, instead of reporting it clean', async () => {
    const ws = scanWorkspace('python-clean', ['bandit', 'trivy']);
    root = ws.root;
    const originalPath = process.env['PATH'];
    process.env['PATH'] = '/usr/bin:/bin';
    try {
      await expect(scanExecutor({ scanners: ['bandit', 'trivy'] }, ws.context)).resolves.toEqual({ success: false });
    } finally {
      process.env['PATH'] = originalPath;
    }
    expect(ws.gate('security-grade')).toMatchObject({ measured: 'A', passed: true });
    expect(ws.gate('required-scanners')).toMatchObject({ measured: '1/2 ran', threshold: '2/2', passed: false });
    expect(ws.gate('required-scanners').reason).toMatch(/^trivy not run: trivy is not installed/);
  });

  it('passes a clean project, so the gate can pass as well as fail', async () => {
    const ws = scanWorkspace('python-clean', ['bandit', 'gitleaks']);
    root = ws.root;
    await expect(scanExecutor({ scanners: ['bandit', 'gitleaks'] }, ws.context)).resolves.toEqual({ success: true });
    expect(JSON.parse(ws.read('gate-results.json'))).toEqual([
      {
        project: 'fixture',
        gate: 'security-grade',
        measured: 'A',
        threshold: 'A',
        passed: true,
        report: 'reports/apps/fixture/scan/scan.md',
      },
      {
        project: 'fixture',
        gate: 'required-scanners',
        measured: '2/2 ran',
        threshold: '2/2',
        passed: true,
        report: 'reports/apps/fixture/scan/scan.md',
      },
    ]);
  });

  it('refuses a suppressions file without reasons before running any tool', async () => {
    const ws = scanWorkspace(
      'python-clean',
      ['bandit'],
      'suppressions:\n  - { tool: bandit, ruleId: B101, expires: "2999-01-01" }\n',
    );
    root = ws.root;
    await expect(scanExecutor({ scanners: ['bandit'] }, ws.context)).rejects.toThrow(
      /must have required property 'reason'/,
    );
    expect(existsSync(join(root, 'reports'))).toBe(false);
  });
});

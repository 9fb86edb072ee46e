import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@customercare/nx-core/testing';
import { bareToolsWorkspace, WORKSPACE_TOOLS } from '@customercare/nx-core/testing';
import { ToolError } from '@customercare/nx-core';
import { runScanner } from '../run-scanners';
import type { ScanContext, Scanner } from './types';
import { bandit } from './bandit';
import { eslintSecurity } from './eslint-security';
import { gitleaks } from './gitleaks';
import { pythonLicences } from './licences-python';
import { npmAudit } from './npm-audit';
import { osvScanner } from './osv-scanner';
import { pipAudit } from './pip-audit';
import { semgrep } from './semgrep';
import { trivy } from './trivy';

const context: ScanContext = {
  workspaceRoot: '/ws',
  projectRoot: 'apps/api',
  projectName: 'api',
  kind: 'python',
  venv: '/nonexistent/.venv',
  tools: WORKSPACE_TOOLS,
  rawDir: '/ws/reports/apps/api/scan/raw',
  semgrepRules: '/ws/security/semgrep',
  exclude: ['**/__fixtures__/**'],
  licencePolicy: { allow: ['MIT'], aliases: { 'MIT License': 'MIT' }, exceptions: [] },
  pythonRequirements: {
    file: '/ws/reports/apps/api/scan/raw/requirements.txt',
    packages: [
      { name: 'fastapi', version: '0.1' },
      { name: 'gpl-thing', version: '1.0' },
      { name: 'ghost', version: '2.0' },
    ],
  },
  today: new Date('2026-06-01'),
};

const one = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};
const findingsOf = (parsed: ReturnType<typeof bandit.parse>) => {
  if ('notRun' in parsed) throw new Error(`expected findings, got not run: ${parsed.notRun}`);
  return parsed.findings;
};

describe('scanner adapters: a tool setup installs that is missing fails the scan, with the fix', () => {
  const bare = { ...context, tools: { ...bareToolsWorkspace(), venv: '/nonexistent/.venv' } };
  afterAll(() => rmSync(bare.tools.workspaceRoot, { recursive: true, force: true }));

  it.each([
    [bandit, /bandit is not installed: .*Run `npm run setup` \(it syncs \.venv from uv\.lock, which locks bandit\)/],
    [semgrep, /semgrep is not installed: .*setup\.d\/30-scanners\.sh installs semgrep 1\.185\.0 into \.cache\/bin/],
    [gitleaks, /gitleaks is not installed: .*setup\.d\/30-scanners\.sh installs gitleaks v8\.30\.1/],
    [pipAudit, /pip-audit is not installed: .*Run `npm run setup`/],
  ])('%s', async (scanner, message) => {
    expect(() => scanner.invocation(bare)).toThrow(ToolError);
    const run = await runScanner(scanner, bare, () => undefined);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(message);
  });

  it('a tool on PATH is never used: PATH holding the real semgrep folder still fails with the fix', async () => {
    const originalPath = process.env['PATH'];
    process.env['PATH'] = `${join(WORKSPACE_ROOT, '.cache', 'bin')}:${originalPath}`;
    try {
      expect((await runScanner(semgrep, bare, () => undefined)).status).toBe('failed');
    } finally {
      process.env['PATH'] = originalPath;
    }
  });

  it('osv-scanner and trivy (optional, not installed by setup) say they are missing rather than pass', async () => {
    expect(osvScanner.invocation(bare)).toEqual({ notRun: expect.stringContaining('osv-scanner is not installed') });
    expect(trivy.invocation(bare)).toEqual({ notRun: expect.stringContaining('trivy is not installed') });
    expect((await runScanner(trivy, bare, () => undefined)).status).toBe('not-run');
  });

  it('dependency scanners pass on why there is no dependency list', () => {
    const without = { ...context, pythonRequirements: { unavailable: '`uv export --package api` failed' } };
    expect(pipAudit.invocation(without)).toEqual({ notRun: '`uv export --package api` failed' });
    expect(pythonLicences.invocation(without)).toEqual({ notRun: '`uv export --package api` failed' });
  });
});

describe('bandit', () => {
  it('maps results and unparsable files to findings', () => {
    const findings = findingsOf(
      bandit.parse(
        JSON.stringify({
          results: [
            {
              filename: 'apps/api/src/run.py',
              line_number: 4,
              test_id: 'B602',
              test_name: 'subprocess_popen_with_shell_equals_true',
              issue_severity: 'HIGH',
              issue_confidence: 'HIGH',
              issue_text: 'subprocess call with shell=True identified, security issue.',
              code: '4     subprocess.run(cmd, shell=True)\n',
            },
          ],
          errors: [{ filename: 'apps/api/src/broken.py', reason: 'syntax error while parsing AST from file' }],
        }),
        context,
      ),
    );
    expect(findings[0]).toMatchObject({
      tool: 'bandit',
      ruleId: 'B602',
      severity: 'high',
      file: 'apps/api/src/run.py',
      line: 4,
    });
    expect(findings[0].fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(findings[1]).toMatchObject({ ruleId: 'not-analysed', severity: 'medium', file: 'apps/api/src/broken.py' });
  });

  it('ignores inline nosec so the suppressions file is the only way to suppress', () => {
    const invocation = bandit.invocation(context);
    if ('notRun' in invocation) throw new Error(invocation.notRun);
    expect(invocation.command.args).toEqual(
      expect.arrayContaining(['--ignore-nosec', '--format', 'json', '--exclude', '**/__fixtures__/**', 'apps/api']),
    );
    expect(invocation.okExitCodes).toEqual([0, 1]);
  });
});

describe('semgrep argv', () => {
  it('runs the repository rules only, offline, with inline nosemgrep ignored', () => {
    const invocation = semgrep.invocation({ ...context, semgrepRules: join(WORKSPACE_ROOT, 'security', 'semgrep') });
    if ('notRun' in invocation) throw new Error(invocation.notRun);
    const args = invocation.command.args;
    expect(args[args.indexOf('--config') + 1]).toBe(join(WORKSPACE_ROOT, 'security', 'semgrep'));
    expect(args).not.toContain('auto');
    expect(args).toEqual(expect.arrayContaining(['--metrics=off', '--disable-version-check', '--disable-nosem']));
  });
});

describe('semgrep', () => {
  it('maps severities and keeps the rule id short', () => {
    const findings = findingsOf(
      semgrep.parse(
        JSON.stringify({
          results: [
            {
              check_id: 'security.semgrep.python-eval-exec',
              path: 'apps/api/src/a.py',
              start: { line: 2 },
              extra: { message: 'eval', severity: 'ERROR', lines: 'eval(x)' },
            },
            {
              check_id: 'security.semgrep.python-insecure-tempfile',
              path: 'apps/api/src/b.py',
              start: { line: 9 },
              extra: { message: 'mktemp', severity: 'WARNING' },
            },
          ],
          errors: [],
        }),
        context,
      ),
    );
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['python-eval-exec', 'high'],
      ['python-insecure-tempfile', 'medium'],
    ]);
  });

  it('treats a rule error as "not run", never as clean', () => {
    const parsed = semgrep.parse(
      JSON.stringify({
        results: [],
        errors: [{ level: 'error', message: 'Invalid YAML file security/semgrep/x.yml' }],
      }),
      context,
    );
    expect(parsed).toEqual({ notRun: expect.stringContaining('Invalid YAML file') });
  });
});

describe('gitleaks', () => {
  it('makes every leak critical', () => {
    const leak = one(
      findingsOf(
        gitleaks.parse(
          JSON.stringify([
            {
              RuleID: 'private-key',
              Description: 'Private Key',
              File: 'apps/api/key.pem',
              StartLine: 1,
              Secret: 'REDACTED',
              Fingerprint: 'apps/api/key.pem:private-key:1',
            },
          ]),
          context,
        ),
      ),
    );
    expect(leak).toMatchObject({
      tool: 'gitleaks',
      ruleId: 'private-key',
      severity: 'critical',
      file: 'apps/api/key.pem',
      line: 1,
    });
    expect(leak.message).toMatch(/Revoke it/);
  });
});

describe('eslint-security', () => {
  it('keeps only security rules, with workspace-relative paths and rule-based severities', () => {
    const findings = findingsOf(
      eslintSecurity.parse(
        JSON.stringify([
          {
            filePath: '/ws/libs/ui/src/a.ts',
            source: 'const x = 1;\neval(code);\n',
            messages: [
              { ruleId: 'security/detect-eval-with-expression', severity: 1, message: 'eval with argument', line: 2 },
              {
                ruleId: 'security/detect-object-injection',
                severity: 1,
                message: 'Generic Object Injection Sink',
                line: 1,
              },
              { ruleId: 'no-unused-vars', severity: 2, message: 'unused', line: 1 },
            ],
          },
          {
            filePath: '/ws/libs/ui/src/b.ts',
            messages: [{ ruleId: null, fatal: true, severity: 2, message: 'Parsing error', line: 3 }],
          },
        ]),
        { ...context, kind: 'npm' },
      ),
    );
    expect(findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ['security/detect-eval-with-expression', 'high', 'libs/ui/src/a.ts'],
      ['security/detect-object-injection', 'low', 'libs/ui/src/a.ts'],
      ['not-analysed', 'medium', 'libs/ui/src/b.ts'],
    ]);
  });
});

describe('pip-audit', () => {
  it('reports vulnerabilities as high findings with the fix version', () => {
    const finding = one(
      findingsOf(
        pipAudit.parse(
          JSON.stringify({
            dependencies: [
              {
                name: 'jinja2',
                version: '3.1.2',
                vulns: [{ id: 'GHSA-h5c8-rqwp-cp95', fix_versions: ['3.1.3'], aliases: ['CVE-2024-22195'] }],
              },
              { name: 'idna', version: '3.7', vulns: [] },
            ],
          }),
          context,
        ),
      ),
    );
    expect(finding).toMatchObject({ ruleId: 'GHSA-h5c8-rqwp-cp95', severity: 'high' });
    expect(finding.message).toMatch(/jinja2 3\.1\.2 has GHSA-h5c8-rqwp-cp95 \/ CVE-2024-22195; fixed in 3\.1\.3/);
  });

  it('is "not run" when the advisory source answered for no dependency (pip-audit itself says "No known vulnerabilities")', () => {
    const parsed = pipAudit.parse(
      JSON.stringify({
        dependencies: [
          { name: 'a', skip_reason: 'Dependency not found on PyPI and could not be audited: a (1.0)' },
          { name: 'b', skip_reason: 'Dependency not found on PyPI' },
        ],
      }),
      context,
    );
    expect(parsed).toEqual({ notRun: expect.stringContaining('did not answer for any of 2 dependencies') });
  });

  it('is incomplete when only some dependencies could be audited', () => {
    const parsed = pipAudit.parse(
      JSON.stringify({
        dependencies: [
          { name: 'a', version: '1', vulns: [] },
          { name: 'b', skip_reason: 'not found' },
        ],
      }),
      context,
    );
    expect(parsed).toEqual({ findings: [], incomplete: '1 of 2 dependencies could not be audited (b)' });
  });
});

describe('npm audit', () => {
  it('is "not run" when the registry refuses the bulk advisory request', () => {
    const parsed = npmAudit.parse(
      JSON.stringify({
        message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
        statusCode: 405,
      }),
      context,
    );
    expect(parsed).toEqual({ notRun: expect.stringContaining('405 Method Not Allowed') });
  });

  it('maps a report v2 with npm severities', () => {
    const findings = findingsOf(
      npmAudit.parse(
        JSON.stringify({
          auditReportVersion: 2,
          vulnerabilities: {
            minimist: {
              name: 'minimist',
              severity: 'critical',
              range: '<0.2.4',
              via: [
                {
                  source: 1,
                  title: 'Prototype Pollution in minimist',
                  url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
                },
              ],
            },
            mkdirp: { name: 'mkdirp', severity: 'moderate', range: '0.4.1 - 0.5.1', via: ['minimist'] },
          },
          metadata: { dependencies: { total: 12 } },
        }),
        context,
      ),
    );
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['GHSA-xvch-5gv4-984h', 'critical'],
      ['npm-audit/mkdirp', 'medium'],
    ]);
  });
});

describe('osv-scanner', () => {
  it('grades each vulnerability group by its CVSS score', () => {
    const findings = findingsOf(
      osvScanner.parse(
        JSON.stringify({
          results: [
            {
              source: { path: '/ws/package-lock.json', type: 'lockfile' },
              packages: [
                {
                  package: { name: 'lodash', version: '4.17.20', ecosystem: 'npm' },
                  vulnerabilities: [{ id: 'GHSA-35jh-r3h4-6jhm', summary: 'Command Injection in lodash' }],
                  groups: [{ ids: ['GHSA-35jh-r3h4-6jhm'], aliases: ['CVE-2021-23337'], max_severity: '7.2' }],
                },
              ],
            },
          ],
        }),
        context,
      ),
    );
    expect(one(findings)).toMatchObject({ ruleId: 'GHSA-35jh-r3h4-6jhm', severity: 'high', file: 'package-lock.json' });
  });
});

describe('trivy', () => {
  it('maps Results[].Vulnerabilities[]', () => {
    const finding = one(
      findingsOf(
        trivy.parse(
          JSON.stringify({
            SchemaVersion: 2,
            Results: [
              {
                Target: 'requirements.txt',
                Vulnerabilities: [
                  {
                    VulnerabilityID: 'CVE-2023-32681',
                    PkgName: 'requests',
                    InstalledVersion: '2.30.0',
                    FixedVersion: '2.31.0',
                    Severity: 'MEDIUM',
                    Title: 'Unintended leak of Proxy-Authorization header',
                  },
                ],
              },
            ],
          }),
          context,
        ),
      ),
    );
    expect(finding).toMatchObject({
      tool: 'trivy',
      ruleId: 'CVE-2023-32681',
      severity: 'medium',
      file: 'requirements.txt',
    });
    expect(finding.message).toMatch(/fixed in 2\.31\.0/);
  });
});

describe('licences (Python)', () => {
  it('flags a disallowed licence as high and a dependency without a readable licence as medium', () => {
    const findings = findingsOf(
      pythonLicences.parse(
        JSON.stringify([
          { Name: 'fastapi', Version: '0.1', License: 'MIT License' },
          { Name: 'gpl_thing', Version: '1.0', License: 'GPL-3.0-only' },
        ]),
        context,
      ),
    );
    expect(findings.map((f) => [f.ruleId, f.severity, f.message.split(' ')[0]])).toEqual([
      ['licence-not-allowed', 'high', 'gpl-thing'],
      ['licence-unknown', 'medium', 'ghost'],
    ]);
  });
});

describe('runScanner', () => {
  it('turns a tool that cannot be started into "not run" with the reason', async () => {
    const broken: Scanner = {
      ...bandit,
      invocation: () => ({
        command: { label: 'bandit', command: '/nonexistent/bin/bandit', args: [], cwd: '/' },
        outputFile: '/nonexistent/out.json',
        okExitCodes: [0],
      }),
    };
    const run = await runScanner(broken, context, () => undefined);
    expect(run).toMatchObject({
      scanner: 'bandit',
      status: 'not-run',
      findings: [],
      reason: expect.stringMatching(/Unable to run bandit: \/nonexistent\/bin\/bandit was not found/),
    });
  });

  it('turns an unexpected exit code into "not run", quoting stderr', async () => {
    const failing: Scanner = {
      ...bandit,
      invocation: () => ({
        command: {
          label: 'fake tool',
          command: process.execPath,
          args: ['-e', 'console.error("database unreachable"); process.exit(3)'],
          cwd: '/',
        },
        outputFile: '/nonexistent/out.json',
        okExitCodes: [0, 1],
      }),
    };
    const run = await runScanner(failing, context, () => undefined);
    expect(run).toMatchObject({ status: 'not-run', reason: 'fake tool exited with code 3: database unreachable' });
  });
});

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import { fixtureContext, WORKSPACE_ROOT } from '@customercare/nx-core/testing';
import { bareToolsWorkspace, WORKSPACE_TOOLS } from '@customercare/nx-core/testing';
import { ToolError } from '@customercare/nx-core';
import scanExecutor from './executor';
import { runScanner } from './run-scanners';
import { scannersFor } from './scanners';
import type { ScanContext } from './scanners/types';
import { zizmor } from './scanners/zizmor';

const FIXTURES = join(__dirname, '__fixtures__');

const context: ScanContext = {
  workspaceRoot: '/ws',
  projectRoot: 'tools/cache-server',
  projectName: 'cache-server',
  kind: 'npm',
  venv: '/nonexistent/.venv',
  tools: WORKSPACE_TOOLS,
  rawDir: '/ws/reports/tools/cache-server/scan/raw',
  semgrepRules: '/ws/security/semgrep',
  workflows: '.github/workflows',
  exclude: [],
  licencePolicy: { allow: [], aliases: {}, exceptions: [] },
  today: new Date('2026-06-01'),
};

describe('zizmor adapter', () => {
  it('applies only to the project whose scan target names a workflows folder', () => {
    expect(scannersFor('npm').map((s) => s.name)).not.toContain('zizmor');
    expect(scannersFor('python').map((s) => s.name)).not.toContain('zizmor');
    expect(scannersFor('npm', { workflows: true }).map((s) => s.name)).toContain('zizmor');
  });

  it('runs offline over the workflows folder, SARIF on stdout, with inline ignores and zizmor.yml disregarded', () => {
    const invocation = zizmor.invocation({ ...context, workspaceRoot: WORKSPACE_ROOT });
    if ('notRun' in invocation) throw new Error(invocation.notRun);
    expect(invocation.command.command).toBe(join(WORKSPACE_ROOT, '.cache', 'bin', 'zizmor'));
    expect(invocation.command.args).toEqual([
      '--offline',
      '--persona=regular',
      '--format=sarif',
      '--strict-collection',
      '--no-config',
      '--no-ignores',
      '--no-exit-codes',
      '--no-progress',
      '--color=never',
      '.github/workflows/cd.yml',
      '.github/workflows/ci.yml',
      '.github/workflows/notify.yml',
      '.github/workflows/performance.yml',
      '.github/workflows/security.yml',
      '.github/workflows/test.yml',
    ]);
    expect(invocation).toMatchObject({
      stdout: true,
      okExitCodes: [0],
      outputFile: '/ws/reports/tools/cache-server/scan/raw/zizmor.sarif',
    });
    expect(invocation.command.cwd).toBe(WORKSPACE_ROOT);
  });

  it('fails with the fix when setup has not installed it (never "passed", never a zizmor from PATH)', async () => {
    const bare = { ...context, tools: bareToolsWorkspace() };
    try {
      expect(() => zizmor.invocation(bare)).toThrow(ToolError);
      const run = await runScanner(zizmor, bare, () => undefined);
      expect(run.status).toBe('failed');
      expect(run.reason).toMatch(
        /zizmor is not installed: .*tools\/scripts\/setup\.d\/30-scanners\.sh installs zizmor 1\.32\.0 into \.cache\/bin/,
      );
    } finally {
      rmSync(bare.tools.workspaceRoot, { recursive: true, force: true });
    }
  });

  it('maps SARIF results to findings: zizmor severity, short rule id, workspace-relative file, a fingerprint that ignores the line', () => {
    const result = (line: number) => ({
      ruleId: 'zizmor/template-injection',
      level: 'error',
      message: { text: 'code injection via template expansion: may expand into attacker-controllable code' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: '.github/workflows/ci.yml' },
            region: { startLine: line, snippet: { text: 'run: echo ${{ github.event.pull_request.title }}' } },
          },
          logicalLocations: [
            {
              properties: {
                symbolic: {
                  route: { route: [{ Key: 'jobs' }, { Key: 'build' }, { Key: 'steps' }, { Index: 2 }, { Key: 'run' }] },
                },
              },
            },
          ],
        },
      ],
      properties: { 'zizmor/severity': 'High', 'zizmor/confidence': 'Low' },
    });
    const sarif = (line: number, extra: object[] = []) =>
      JSON.stringify({ runs: [{ invocations: [{ executionSuccessful: true }], results: [result(line), ...extra] }] });
    const parsed = zizmor.parse(
      sarif(10, [
        {
          ruleId: 'zizmor/artipacked',
          level: 'warning',
          message: { text: 'credential persistence' },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: '/ws/.github/workflows/ci.yml' }, region: { startLine: 3 } },
            },
          ],
        },
      ]),
      context,
    );
    if ('notRun' in parsed) throw new Error(parsed.notRun);
    expect(parsed.findings).toMatchObject([
      {
        tool: 'zizmor',
        ruleId: 'template-injection',
        severity: 'high',
        message:
          'code injection via template expansion: may expand into attacker-controllable code (confidence low). https://docs.zizmor.sh/audits/#template-injection',
        file: '.github/workflows/ci.yml',
        line: 10,
      },
      {
        tool: 'zizmor',
        ruleId: 'artipacked',
        severity: 'medium',
        message: 'credential persistence. https://docs.zizmor.sh/audits/#artipacked',
        file: '.github/workflows/ci.yml',
        line: 3,
      },
    ]);
    const moved = zizmor.parse(sarif(12), context);
    if ('notRun' in moved) throw new Error(moved.notRun);
    expect(moved.findings[0].fingerprint).toBe(parsed.findings[0].fingerprint);
    expect(parsed.summary).toMatch(/^offline audits \(no GitHub API/);
  });

  it('is "not run" when zizmor says its run failed, or the folder is missing', () => {
    expect(
      zizmor.parse(JSON.stringify({ runs: [{ invocations: [{ executionSuccessful: false }], results: [] }] }), context),
    ).toEqual({ notRun: 'zizmor reported an unsuccessful run' });
    const empty = mkdtempSync(join(tmpdir(), 'no-workflows-'));
    expect(zizmor.invocation({ ...context, workspaceRoot: empty })).toEqual({
      notRun: "no workflows folder at .github/workflows (the scan target's `workflows` option)",
    });
    mkdirSync(join(empty, '.github', 'workflows'), { recursive: true });
    expect(zizmor.invocation({ ...context, workspaceRoot: empty })).toEqual({
      notRun: "no workflow (*.yml, *.yaml) in .github/workflows (the scan target's `workflows` option)",
    });
    rmSync(empty, { recursive: true });
  });
});

/**
 * Real zizmor runs through the scan executor: a throw-away workspace whose npm project owns a
 * .github/workflows folder, the real gates.json (zizmor required) and security/ folder.
 */
describe('scan executor with zizmor (real runs)', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** `suppressions`: the repository's own reviewed ones, or none (a seeded fixture must fail on its own). */
  function workspace(workflows: string, suppressions: 'none' | 'repository' = 'none') {
    root = mkdtempSync(join(tmpdir(), 'nx-pipeline-zizmor-'));
    const gates = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'gates.json'), 'utf8'));
    // The workspace requires zizmor where it applies; this fixture runs it alone.
    expect(gates.defaults.security.requiredScanners).toContain('zizmor');
    gates.projects = { fixture: { security: { requiredScanners: ['zizmor'] } } };
    writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
    cpSync(join(WORKSPACE_ROOT, 'security'), join(root, 'security'), { recursive: true });
    if (suppressions === 'none') writeFileSync(join(root, 'security', 'suppressions.yaml'), 'suppressions: []\n');
    mkdirSync(join(root, 'apps', 'fixture'), { recursive: true });
    writeFileSync(
      join(root, 'apps', 'fixture', 'package.json'),
      JSON.stringify({ name: 'fixture', version: '0.0.0', private: true }),
    );
    cpSync(workflows, join(root, '.github', 'workflows'), { recursive: true });
    const read = (file: string) => readFileSync(join(root, 'reports/apps/fixture/scan', file), 'utf8');
    const gate = (name: string) =>
      (JSON.parse(read('gate-results.json')) as GateResult[]).find((g) => g.gate === name) as GateResult;
    return { context: fixtureContext(root), read, gate };
  }

  it('fails on a seeded unsafe workflow, with the findings in the one SARIF report and the grade', async () => {
    const ws = workspace(join(FIXTURES, 'workflows-unsafe'));
    await expect(
      scanExecutor({ kind: 'npm', scanners: ['zizmor'], workflows: '.github/workflows' }, ws.context),
    ).resolves.toEqual({ success: false });
    expect(ws.gate('required-scanners')).toMatchObject({ measured: '1/1 ran', passed: true });
    expect(ws.gate('security-grade')).toMatchObject({ passed: false, threshold: 'A' });
    const summary = JSON.parse(ws.read('scan.json'));
    expect(
      summary.findings
        .map((f: { ruleId: string; severity: string; file: string }) => [f.ruleId, f.severity, f.file])
        .sort(),
    ).toEqual([
      ['artipacked', 'medium', '.github/workflows/release.yml'],
      ['dangerous-triggers', 'high', '.github/workflows/release.yml'],
      ['template-injection', 'high', '.github/workflows/release.yml'],
      ['unpinned-uses', 'high', '.github/workflows/release.yml'],
    ]);
    const zizmorRun = JSON.parse(ws.read('scan.sarif')).runs.find(
      (run: { tool: { driver: { name: string } } }) => run.tool.driver.name === 'zizmor',
    );
    expect(zizmorRun.results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual([
      'artipacked',
      'dangerous-triggers',
      'template-injection',
      'unpinned-uses',
    ]);
  });

  it("passes on the repository's own workflows: no unsuppressed finding of medium severity or above", async () => {
    // With the repository's reviewed suppressions (reason and expiry), as the real scan reads them.
    const ws = workspace(join(WORKSPACE_ROOT, '.github', 'workflows'), 'repository');
    await expect(
      scanExecutor({ kind: 'npm', scanners: ['zizmor'], workflows: '.github/workflows' }, ws.context),
    ).resolves.toEqual({ success: true });
    const summary = JSON.parse(ws.read('scan.json'));
    expect(summary.scanners.find((s: { scanner: string }) => s.scanner === 'zizmor')).toMatchObject({
      status: 'ran',
      required: true,
    });
    expect(
      summary.findings.filter(
        (f: { severity: string; suppressed?: unknown }) =>
          !f.suppressed && ['critical', 'high', 'medium'].includes(f.severity),
      ),
    ).toEqual([]);
    expect(ws.gate('security-grade')).toMatchObject({ measured: 'A', passed: true });
  });
});

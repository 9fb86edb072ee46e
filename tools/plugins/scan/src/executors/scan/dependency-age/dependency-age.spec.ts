import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import { fixtureContext, WORKSPACE_ROOT } from '@customercare/nx-core/testing';
import scanExecutor from '../executor';
import type { ScannerRun } from '../run-scanners';
import { npmLockedPackages, uvLockedPackages } from './lockfiles';
import { advisoriesFrom, formatAge, judge, type KnownAdvisories } from './policy';
import { factsFrom, npmHistory, pypiHistory } from './releases';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-12-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const THRESHOLDS = { minReleaseAgeDays: 3, maxOutdatedDays: 30 };
const NO_ADVISORIES: KnownAdvisories = { packages: [], unavailable: {} };

describe('lockfiles', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dependency-age-lock-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('takes every registry package of package-lock.json once, dev ones included, and leaves out links, bundles and git sources', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'root', devDependencies: { jest: '^30' } },
        'node_modules/jest': { version: '30.0.0', dev: true },
        'node_modules/@scope/tool': { version: '1.0.0' },
        'node_modules/a/node_modules/@scope/tool': { version: '1.0.0' },
        'node_modules/@customercare/web': { resolved: 'apps/web', link: true },
        'node_modules/from-git': { version: '0.1.0', resolved: 'git+ssh://git@github.com/x/y.git#abc' },
        'node_modules/bundler/node_modules/inside': { version: '2.0.0', inBundle: true },
      },
    };
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock, null, 2));
    expect(npmLockedPackages(root, join(root, 'package-lock.json'))).toEqual([
      { ecosystem: 'npm', name: 'jest', version: '30.0.0', lockfile: 'package-lock.json', line: 10 },
      { ecosystem: 'npm', name: '@scope/tool', version: '1.0.0', lockfile: 'package-lock.json', line: 14 },
    ]);
  });

  it('refuses a v1 package-lock.json with the fix', () => {
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 1, dependencies: {} }));
    expect(npmLockedPackages(root, join(root, 'package-lock.json'))).toEqual({
      unavailable:
        'package-lock.json is lockfile v1, which has no `packages` map: run `npm install` with npm 7 or newer',
    });
  });

  it('takes the registry packages of uv.lock and leaves out workspace members', () => {
    writeFileSync(
      join(root, 'uv.lock'),
      [
        'version = 1',
        '',
        '[[package]]',
        'name = "backend"',
        'version = "0.1.0"',
        'source = { editable = "apps/backend" }',
        '',
        '[[package]]',
        'name = "fastapi"',
        'version = "0.120.0"',
        'source = { registry = "https://pypi.org/simple" }',
        '',
      ].join('\n'),
    );
    expect(uvLockedPackages(root, join(root, 'uv.lock'))).toEqual([
      { ecosystem: 'pypi', name: 'fastapi', version: '0.120.0', lockfile: 'uv.lock', line: 9 },
    ]);
  });
});

describe('release facts and the policy', () => {
  it('reads npm publish times from the packument and finds the earliest-published stable release above the locked one', () => {
    const history = npmHistory({
      time: {
        created: ago(900 * DAY),
        modified: ago(DAY),
        '1.0.0': ago(400 * DAY),
        '0.9.9': ago(10 * DAY),
        '1.1.0-beta.1': ago(300 * DAY),
        '1.1.0': ago(200 * DAY),
        '2.0.0': ago(50 * DAY),
        '1.2.0': ago(100 * DAY),
      },
      versions: { '0.9.9': {}, '1.0.0': {}, '1.1.0-beta.1': {}, '1.1.0': {}, '1.2.0': {}, '2.0.0': {} },
    });
    expect(factsFrom('npm', 'x', '1.0.0', history, NOW)).toEqual({
      published: ago(400 * DAY),
      newer: { version: '1.1.0', published: ago(200 * DAY) },
      checkedAt: NOW.toISOString(),
    });
    expect(factsFrom('npm', 'x', '2.0.0', history, NOW).newer).toBeNull();
    expect(() => factsFrom('npm', 'x', '3.0.0', history, NOW)).toThrow(
      "x 3.0.0 is not in the registry's release history (unpublished, or locked from another registry)",
    );
  });

  it('reads PyPI upload times (the first file of a release) and skips yanked releases', () => {
    const history = pypiHistory({
      releases: {
        '1.0': [{ upload_time_iso_8601: ago(99 * DAY) }, { upload_time_iso_8601: ago(100 * DAY) }],
        '1.1': [{ upload_time_iso_8601: ago(60 * DAY), yanked: true }],
        '1.2rc1': [{ upload_time_iso_8601: ago(50 * DAY) }],
        '1.2': [{ upload_time_iso_8601: ago(40 * DAY) }],
      },
    });
    expect(factsFrom('pypi', 'y', '1.0', history, NOW)).toMatchObject({
      published: ago(100 * DAY),
      newer: { version: '1.2', published: ago(40 * DAY) },
    });
  });

  it('fails a version younger than minReleaseAgeDays, fails an outdated one with an advisory, and only reports plain staleness', () => {
    const pkg = {
      ecosystem: 'npm' as const,
      name: 'lodash',
      version: '4.17.20',
      lockfile: 'package-lock.json',
      line: 1,
    };
    const old = {
      published: ago(900 * DAY),
      newer: { version: '4.17.21', published: ago(400 * DAY) },
      checkedAt: NOW.toISOString(),
    };
    const advisories: KnownAdvisories = {
      packages: [{ ecosystem: 'npm', name: 'lodash', ids: ['GHSA-35jh-r3h4-6jhm'] }],
      unavailable: {},
    };
    expect(
      judge(pkg, { published: ago(HOUR), newer: null, checkedAt: '' }, NO_ADVISORIES, THRESHOLDS, NOW),
    ).toMatchObject({ verdict: 'too-new' });
    expect(judge(pkg, old, advisories, THRESHOLDS, NOW)).toMatchObject({
      verdict: 'outdated-with-advisory',
      advisories: ['GHSA-35jh-r3h4-6jhm'],
    });
    expect(judge(pkg, old, NO_ADVISORIES, THRESHOLDS, NOW)).toMatchObject({ verdict: 'stale' });
    expect(
      judge(pkg, { ...old, newer: { version: '4.17.21', published: ago(29 * DAY) } }, advisories, THRESHOLDS, NOW),
    ).toMatchObject({ verdict: 'ok' });
    expect([formatAge(1 / 24), formatAge(0.9), formatAge(2.46), formatAge(400)]).toEqual([
      '1 hour',
      '22 hours',
      '2.5 days',
      '400 days',
    ]);
  });

  it('takes advisories from npm-audit and pip-audit findings, and says why an ecosystem has none', () => {
    const run = (scanner: 'npm-audit' | 'pip-audit', status: ScannerRun['status'], reason?: string): ScannerRun => ({
      scanner,
      category: 'vulnerabilities',
      status,
      reason,
      durationMs: 0,
      findings:
        status === 'ran'
          ? [
              {
                tool: scanner,
                ruleId: 'PYSEC-1',
                severity: 'high',
                message: '',
                file: 'uv.lock',
                line: 1,
                fingerprint: 'f',
                package: { ecosystem: 'pypi', name: 'jinja2', version: '3.1.0' },
              },
            ]
          : [],
    });
    expect(
      advisoriesFrom([
        run('npm-audit', 'not-run', 'the npm advisory endpoint did not answer: 405'),
        run('pip-audit', 'ran'),
      ]),
    ).toEqual({
      packages: [{ ecosystem: 'pypi', name: 'jinja2', version: '3.1.0', ids: ['PYSEC-1'] }],
      unavailable: { npm: 'npm-audit did not run: the npm advisory endpoint did not answer: 405' },
    });
  });
});

/** A local server that answers like the npm registry (GET /npm/<name>) and PyPI's JSON API (GET /pypi/<name>/json). */
async function fakeRegistries(
  publishedAgo: Record<string, number>,
): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const npm = /^\/npm\/(.+)$/.exec(request.url ?? '');
    const pypi = /^\/pypi\/([^/]+)\/json$/.exec(request.url ?? '');
    const name = decodeURIComponent(npm?.[1] ?? pypi?.[1] ?? '');
    const entries = Object.entries(publishedAgo).filter(([id]) => id.startsWith(`${name}@`));
    if (!entries.length) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      return;
    }
    const versions = entries.map(([id, ms]) => [id.slice(name.length + 1), new Date(Date.now() - ms).toISOString()]);
    const body = npm
      ? {
          name,
          'dist-tags': { latest: versions[versions.length - 1][0] },
          time: Object.fromEntries(versions),
          versions: Object.fromEntries(versions.map(([v]) => [v, { name, version: v }])),
        }
      : {
          info: { name, version: versions[versions.length - 1][0] },
          releases: Object.fromEntries(versions.map(([v, t]) => [v, [{ upload_time_iso_8601: t, yanked: false }]])),
        };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('the dependency-age scanner through the scan executor, against local registries', () => {
  let root: string;
  let registries: Awaited<ReturnType<typeof fakeRegistries>>;
  afterEach(async () => {
    rmSync(root, { recursive: true, force: true });
    await new Promise((resolve) => registries.server.close(resolve));
  });

  function workspace(kind: 'npm' | 'python'): { read: (file: string) => string; gate: () => GateResult } {
    root = mkdtempSync(join(tmpdir(), 'dependency-age-'));
    const gates = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'gates.json'), 'utf8'));
    gates.projects = { fixture: { security: { requiredScanners: ['dependency-age'] } } };
    writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
    cpSync(join(WORKSPACE_ROOT, 'security'), join(root, 'security'), { recursive: true });
    writeFileSync(join(root, 'security', 'suppressions.yaml'), 'suppressions: []\n');
    mkdirSync(join(root, 'apps', 'fixture'), { recursive: true });
    if (kind === 'npm') {
      writeFileSync(
        join(root, 'apps', 'fixture', 'package.json'),
        JSON.stringify({ name: '@fixture/web', version: '0.0.0' }),
      );
      const lock = {
        lockfileVersion: 3,
        packages: {
          '': { name: 'ws', workspaces: ['apps/*'] },
          'node_modules/left-pad': { version: '1.3.1' },
          'node_modules/is-odd': { version: '3.0.1' },
        },
      };
      writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock, null, 2));
    } else {
      writeFileSync(
        join(root, 'apps', 'fixture', 'pyproject.toml'),
        '[project]\nname = "fixture"\nversion = "0.1.0"\n',
      );
      writeFileSync(
        join(root, 'uv.lock'),
        'version = 1\n\n[[package]]\nname = "fresh-wheel"\nversion = "2.0.0"\nsource = { registry = "https://pypi.org/simple" }\n',
      );
    }
    const read = (file: string) => readFileSync(join(root, 'reports/apps/fixture/scan', file), 'utf8');
    return {
      read,
      gate: () =>
        (JSON.parse(read('gate-results.json')) as GateResult[]).find((g) => g.gate === 'dependency-age') as GateResult,
    };
  }

  it('fails an npm package published an hour ago with its name, version and age, and asks the registry once for all runs', async () => {
    registries = await fakeRegistries({
      'left-pad@1.3.0': 400 * DAY,
      'left-pad@1.3.1': HOUR,
      'is-odd@3.0.1': 2000 * DAY,
    });
    const ws = workspace('npm');
    const options = {
      scanners: ['dependency-age' as const],
      npmRegistry: `${registries.url}/npm`,
      pypiJsonApi: `${registries.url}/pypi`,
    };

    await expect(scanExecutor(options, fixtureContext(root))).resolves.toEqual({ success: false });
    const gate = ws.gate();
    expect(gate).toMatchObject({
      project: 'fixture',
      gate: 'dependency-age',
      measured: 1,
      passed: false,
      report: 'reports/apps/fixture/scan/scan.md',
    });
    expect(gate.reason).toMatch(
      /^left-pad 1\.3\.1 \(npm\) was published 1 hour ago \(\S+\), less than the 3 days gates\.json's security\.dependencyAge\.minReleaseAgeDays asks for: lock the previous release \(`npm install left-pad@<previous version>`\) or wait until \S+; 2 npm packages in package-lock\.json: 1 younger than 3 days/,
    );
    expect(gate.reason).toContain(
      "the advisory rule was not checked (npm-audit did not run: not selected by the target's `scanners` option)",
    );
    const finding = JSON.parse(ws.read('scan.json')).findings[0];
    expect(finding).toMatchObject({
      tool: 'dependency-age',
      ruleId: 'dependency-age/too-new',
      severity: 'high',
      file: 'package-lock.json',
      line: 10,
    });
    expect(registries.requests.sort()).toEqual(['/npm/is-odd', '/npm/left-pad']);

    await expect(scanExecutor(options, fixtureContext(root))).resolves.toEqual({ success: false });
    expect(registries.requests).toHaveLength(2);
    expect(ws.gate().reason).toContain('0 registry request(s), the rest from the cache');
  });

  it('fails a PyPI package uploaded an hour ago, passes it once it is older than the threshold', async () => {
    registries = await fakeRegistries({ 'fresh-wheel@2.0.0': HOUR });
    const ws = workspace('python');
    const options = {
      scanners: ['dependency-age' as const],
      npmRegistry: `${registries.url}/npm`,
      pypiJsonApi: `${registries.url}/pypi`,
    };
    await expect(scanExecutor(options, fixtureContext(root))).resolves.toEqual({ success: false });
    expect(ws.gate().reason).toMatch(
      /^fresh-wheel 2\.0\.0 \(pypi\) was published 1 hour ago .* \(`uv add fresh-wheel@<previous version>`\)/,
    );
    expect(registries.requests).toEqual(['/pypi/fresh-wheel/json']);

    const gates = JSON.parse(readFileSync(join(root, 'gates.json'), 'utf8'));
    gates.projects.fixture.security.dependencyAge = { minReleaseAgeDays: 0 };
    writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
    await expect(scanExecutor(options, fixtureContext(root))).resolves.toEqual({ success: true });
    expect(ws.gate()).toMatchObject({ measured: 0, passed: true });
  });

  it('is "not run" with the reason when the registry does not answer, and fails the gate', async () => {
    registries = await fakeRegistries({});
    const ws = workspace('npm');
    await expect(
      scanExecutor({ scanners: ['dependency-age'], npmRegistry: `${registries.url}/npm` }, fixtureContext(root)),
    ).resolves.toEqual({ success: false });
    expect(ws.gate()).toMatchObject({ measured: null, passed: false });
    expect(ws.gate().reason).toBe(
      `not run: the registry did not answer for any of 2 packages (${registries.url}/npm): GET ${registries.url}/npm/left-pad answered 404 Not Found`,
    );
    const required = (JSON.parse(ws.read('gate-results.json')) as GateResult[]).find(
      (g) => g.gate === 'required-scanners',
    );
    expect(required).toMatchObject({ passed: false, measured: '0/1 ran' });
  });
});

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, copyWorkspace, git, nx } from './workspace-copy';

const SERVICE = 'e2e-orders';
const GATE_TARGETS = ['lint', 'test', 'scan', 'perf'];

function targetConfigs(root: string, project: string): Record<string, { outputs?: string[] }> {
  const result = nx(root, ['show', 'project', project, '--json']);
  expect(result.stderr).toBe('');
  return (JSON.parse(result.stdout) as { targets: Record<string, { outputs?: string[] }> }).targets;
}

function targetsOf(root: string, project: string): string[] {
  return Object.keys(targetConfigs(root, project));
}

function affected(root: string, ...extra: string[]): string[] {
  const result = nx(root, ['show', 'projects', '--affected', '--json', ...extra]);
  expect(result.status).toBe(0);
  return (JSON.parse(result.stdout) as string[]).sort();
}

/** What git sees as changed in the copy: the generator's footprint. */
function changedFiles(root: string): string[] {
  return git(root, 'status', '--porcelain', '--untracked-files=all')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .sort();
}

/** A workspace script run with node in the copy, as CI runs it. */
function nodeScript(root: string, script: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, encoding: 'utf8', env: childEnv() });
}

describe('nx g @customercare/nx-generators:python-service', () => {
  let root: string;
  beforeAll(() => {
    root = copyWorkspace();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('--dry-run lists the files and writes nothing', () => {
    const run = nx(root, ['g', '@customercare/nx-generators:python-service', SERVICE, '--dry-run', '--no-interactive']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`CREATE apps/${SERVICE}/pyproject.toml`);
    expect(run.stdout).toContain('UPDATE pyproject.toml');
    expect(run.stdout).not.toContain('uv lock');
    expect(changedFiles(root)).toEqual([]);
  });

  it('refuses a taken name with a clear error and writes nothing', () => {
    const run = nx(root, [
      'g',
      '@customercare/nx-generators:python-service',
      'backend',
      '--directory=apps/backend-2',
      '--no-interactive',
    ]);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(
      'A project named "backend" already exists (at apps/backend); nothing was written.',
    );
    expect(changedFiles(root)).toEqual([]);
  });

  it('generates a service that passes every gate target on its first run', () => {
    const run = nx(root, ['g', '@customercare/nx-generators:python-service', SERVICE, '--no-interactive']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Locked apps/${SERVICE}.`);

    const changed = changedFiles(root);
    expect(changed.filter((file) => !file.startsWith(`apps/${SERVICE}/`))).toEqual(['pyproject.toml', 'uv.lock']);
    expect(existsSync(join(root, 'apps', SERVICE, 'project.json'))).toBe(false);
    expect(readFileSync(join(root, 'uv.lock'), 'utf8')).toContain(`name = "${SERVICE}"`);

    // Every target is inferred: the service has each gate target the backend has (the same
    // inference), and at least lint, test and perf.
    const targets = targetsOf(root, SERVICE);
    const backendGates = targetsOf(root, 'backend').filter((target) => GATE_TARGETS.includes(target));
    expect(targets).toEqual(expect.arrayContaining(['lint', 'test', 'perf', ...backendGates]));

    const pipeline = nx(root, ['run-many', '-t', ...GATE_TARGETS, '-p', SERVICE, '--outputStyle=static']);
    const output = pipeline.stdout + pipeline.stderr;
    expect(output.split('\n').filter((line) => /\bFAIL\b/.test(line))).toEqual([]);
    expect(pipeline.status).toBe(0);
    const ran = GATE_TARGETS.filter((target) => targets.includes(target));
    expect(pipeline.stdout).toContain(`Successfully ran targets ${ran.join(', ')} for project ${SERVICE}`);
    expect(pipeline.stdout).toContain(`PASS ${SERVICE} coverage`);
  });

  it('affects only the new project', () => {
    // The generator also rewrote the root pyproject.toml (members) and uv.lock (the new member's
    // entry); no target reads either (locked packages are pypi: nodes, ruff's settings live in
    // ruff.toml), and the lock's change moves no package another project resolves to.
    expect(changedFiles(root).filter((file) => !file.startsWith(`apps/${SERVICE}/`))).toEqual([
      'pyproject.toml',
      'uv.lock',
    ]);
    expect(affected(root)).toEqual([SERVICE]);
    const script = nodeScript(root, 'tools/scripts/affected.mjs', ['show', 'projects', '--json']);
    expect(script.stderr).toContain('they reach no project');
    expect(JSON.parse(script.stdout)).toEqual([SERVICE]);
  });
});

describe('nx g @customercare/nx-generators:web-app, python-lib and init', () => {
  let root: string;
  beforeAll(() => {
    root = copyWorkspace();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('init changes nothing in a workspace that already has the pipeline', () => {
    // --skipInstall: the copy shares node_modules with the real workspace.
    const run = nx(root, ['g', '@customercare/nx-generators:init', '--skipInstall', '--no-interactive']);
    expect(run.status).toBe(0);
    expect(changedFiles(root)).toEqual([]);
  });

  it('generates a web app and a Python library whose lint and test pass on their first run', () => {
    const web = nx(root, [
      'g',
      '@customercare/nx-generators:web-app',
      'e2e-kiosk',
      '--skipInstall',
      '--no-interactive',
    ]);
    expect(web.status).toBe(0);
    const lib = nx(root, ['g', '@customercare/nx-generators:python-lib', 'e2e-text', '--no-interactive']);
    expect(lib.status).toBe(0);
    expect(existsSync(join(root, 'apps/e2e-kiosk/project.json'))).toBe(false);
    expect(existsSync(join(root, 'libs/e2e-text/project.json'))).toBe(false);
    // Only the new projects are affected: the library's uv member and lock entry change no other
    // project's inputs. (--skipInstall leaves package-lock.json alone; a real install rewrites it,
    // and Nx counts any package-lock.json change against every project: see the README.)
    expect(affected(root)).toEqual(['e2e-kiosk', 'e2e-text']);

    const webTargets = targetConfigs(root, 'e2e-kiosk');
    expect(Object.keys(webTargets)).toEqual(expect.arrayContaining(['lint', 'test', 'typecheck', 'build']));
    // One output folder holds junit.xml and coverage, so a cache hit restores both.
    expect(webTargets['test'].outputs).toEqual(['{workspaceRoot}/reports/apps/e2e-kiosk/test']);
    const libTargets = targetsOf(root, 'e2e-text');
    expect(libTargets).toEqual(expect.arrayContaining(['lint', 'test']));
    expect(libTargets).not.toContain('perf');

    // scan is proven on the service above. A web app's scan cannot pass in a copy: `npm sbom`
    // checks node_modules against the copy's own workspace links, and node_modules is borrowed.
    const run = nx(root, [
      'run-many',
      '-t',
      'lint',
      'test',
      'typecheck',
      '-p',
      'e2e-kiosk',
      'e2e-text',
      '--outputStyle=static',
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Successfully ran targets lint, test, typecheck for 2 projects');
    expect(run.stdout).toContain('PASS e2e-text coverage');
  });
});

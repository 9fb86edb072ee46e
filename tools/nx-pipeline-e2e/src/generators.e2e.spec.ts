import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, git, nx } from './workspace-copy';

const SERVICE = 'e2e-orders';
const GATE_TARGETS = ['lint', 'test', 'scan', 'perf'];

function targetsOf(root: string, project: string): string[] {
  const result = nx(root, ['show', 'project', project, '--json']);
  expect(result.stderr).toBe('');
  return Object.keys((JSON.parse(result.stdout) as { targets: Record<string, unknown> }).targets);
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

describe('nx g @customercare/nx-pipeline:python-service', () => {
  let root: string;
  beforeAll(() => {
    root = copyWorkspace();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('--dry-run lists the files and writes nothing', () => {
    const run = nx(root, ['g', '@customercare/nx-pipeline:python-service', SERVICE, '--dry-run', '--no-interactive']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`CREATE apps/${SERVICE}/pyproject.toml`);
    expect(run.stdout).toContain('UPDATE pyproject.toml');
    expect(run.stdout).not.toContain('uv lock');
    expect(changedFiles(root)).toEqual([]);
  });

  it('refuses a taken name with a clear error and writes nothing', () => {
    const run = nx(root, ['g', '@customercare/nx-pipeline:python-service', 'backend', '--directory=apps/backend-2', '--no-interactive']);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('A project named "backend" already exists (at apps/backend); nothing was written.');
    expect(changedFiles(root)).toEqual([]);
  });

  it('generates a service that passes every gate target on its first run', () => {
    const run = nx(root, ['g', '@customercare/nx-pipeline:python-service', SERVICE, '--no-interactive']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Locked apps/${SERVICE}.`);

    const changed = changedFiles(root);
    expect(changed.filter((file) => !file.startsWith(`apps/${SERVICE}/`))).toEqual(['pyproject.toml', 'uv.lock']);
    expect(existsSync(join(root, 'apps', SERVICE, 'project.json'))).toBe(false);
    expect(readFileSync(join(root, 'uv.lock'), 'utf8')).toContain(`name = "${SERVICE}"`);

    // Every target is inferred: the new service has each gate target the backend has (the same
    // inference), and at least lint, test and perf.
    const targets = targetsOf(root, SERVICE);
    const backendGates = targetsOf(root, 'backend').filter((target) => GATE_TARGETS.includes(target));
    expect(targets).toEqual(expect.arrayContaining(['lint', 'test', 'perf', ...backendGates]));

    const pipeline = nx(root, ['run-many', '-t', ...GATE_TARGETS, '-p', SERVICE, '--outputStyle=static']);
    expect(pipeline.stderr + pipeline.stdout).not.toMatch(/FAIL /);
    expect(pipeline.status).toBe(0);
    const ran = GATE_TARGETS.filter((target) => targets.includes(target));
    expect(pipeline.stdout).toContain(`Successfully ran targets ${ran.join(', ')} for project ${SERVICE}`);
    expect(pipeline.stdout).toMatch(new RegExp(`PASS ${SERVICE} coverage`));
  });

  it('affects only the new project, apart from what the uv workspace files affect', () => {
    // The service's own files affect nothing else: no other project claims them or depends on it.
    const serviceFiles = changedFiles(root).filter((file) => file.startsWith(`apps/${SERVICE}/`));
    expect(affected(root, `--files=${serviceFiles.join(',')}`)).toEqual([SERVICE]);

    // The two root files a new uv member must touch are inputs of every Python target (tool
    // config and the lockfile), so Nx marks those projects too; nothing else is affected.
    const viaUvWorkspace = affected(root, '--files=pyproject.toml,uv.lock').filter((project) => project !== SERVICE);
    expect(affected(root)).toEqual([SERVICE, ...viaUvWorkspace].sort());
  });
});

describe('nx g @customercare/nx-pipeline:web-app, python-lib and init', () => {
  let root: string;
  beforeAll(() => {
    root = copyWorkspace();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('init changes nothing in a workspace that already has the pipeline', () => {
    // --skipInstall: the copy shares node_modules with the real workspace.
    const run = nx(root, ['g', '@customercare/nx-pipeline:init', '--skipInstall', '--no-interactive']);
    expect(run.status).toBe(0);
    expect(changedFiles(root)).toEqual([]);
  });

  it('generates a web app and a Python library whose gate targets pass on their first run', () => {
    const web = nx(root, ['g', '@customercare/nx-pipeline:web-app', 'e2e-kiosk', '--skipInstall', '--no-interactive']);
    expect(web.status).toBe(0);
    const lib = nx(root, ['g', '@customercare/nx-pipeline:python-lib', 'e2e-text', '--no-interactive']);
    expect(lib.status).toBe(0);
    expect(existsSync(join(root, 'apps/e2e-kiosk/project.json'))).toBe(false);
    expect(existsSync(join(root, 'libs/e2e-text/project.json'))).toBe(false);

    const webTargets = targetsOf(root, 'e2e-kiosk');
    expect(webTargets).toEqual(expect.arrayContaining(['lint', 'test', 'typecheck', 'build']));
    const libTargets = targetsOf(root, 'e2e-text');
    expect(libTargets).toEqual(expect.arrayContaining(['lint', 'test']));
    expect(libTargets).not.toContain('perf');

    const run = nx(root, ['run-many', '-t', 'lint', 'test', 'typecheck', 'scan', '-p', 'e2e-kiosk', 'e2e-text', '--outputStyle=static']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Successfully ran targets .* for 2 projects/);
    expect(run.stdout).toContain('PASS e2e-text coverage');
  });
});

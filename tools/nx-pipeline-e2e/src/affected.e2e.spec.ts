import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { childEnv, copyWorkspace, git, nx } from './workspace-copy';

/** The projects `nx show projects --affected` lists for the uncommitted change in `root`. */
function affectedProjects(root: string): string[] {
  const result = nx(root, ['show', 'projects', '--affected', '--json']);
  expect(result.stderr).not.toMatch(/error/i);
  return (JSON.parse(result.stdout) as string[]).sort();
}

/** The task ids `nx affected -t lint test` plans for the uncommitted change in `root`. */
function plannedTasks(root: string): string[] {
  const file = join(root, 'tmp', 'task-graph.json');
  const result = nx(root, ['affected', '-t', 'lint', 'test', `--graph=${file}`]);
  expect(result.status).toBe(0);
  const graph = JSON.parse(readFileSync(file, 'utf8')) as { tasks: { tasks: Record<string, unknown> } };
  return Object.keys(graph.tasks.tasks).sort();
}

/** A real, lint-clean edit: `replacement` instead of the first occurrence of `marker`. */
function touch(file: string, marker: string, replacement: string): void {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  writeFileSync(file, text.slice(0, at) + replacement + text.slice(at + marker.length));
}

/** On failure, shows the end of nx's output in the assertion diff rather than only its exit code. */
function expectSuccess(run: SpawnSyncReturns<string>): void {
  expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}`.slice(-6000) }).toEqual({
    status: 0,
    output: '',
  });
}

describe('affected across Python and TypeScript', () => {
  let root: string;
  beforeAll(() => {
    root = copyWorkspace();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => {
    git(root, 'checkout', '-q', '--', '.');
    rmSync(join(root, 'tmp'), { recursive: true, force: true });
  });

  it('a change in the Python library affects it and the backend, not the front end', () => {
    touch(join(root, 'libs/service-kit/src/service_kit/text.py'), 'Text normalisation', 'Text normalization');
    // frontend-e2e is affected too, rightly: its journeys run against the real backend.
    expect(affectedProjects(root)).toEqual(['backend', 'frontend-e2e', 'service-kit']);
    const tasks = plannedTasks(root);
    expect(tasks).toEqual(
      expect.arrayContaining(['backend:lint', 'backend:test', 'service-kit:lint', 'service-kit:test']),
    );
    expect(tasks.filter((task) => !/^(backend|service-kit|frontend-e2e):/.test(task))).toEqual([]);

    const run = nx(root, ['affected', '-t', 'lint', 'test', '--exclude=frontend-e2e', '--outputStyle=static']);
    expectSuccess(run);
    expect(run.stdout).toContain('Successfully ran targets lint, test for 2 projects');
  });

  it('a change of the API contract affects the backend, the client and the front end', () => {
    const contract = join(root, 'libs/api-contract/openapi.json');
    const document = JSON.parse(readFileSync(contract, 'utf8'));
    document.info.description = 'changed by the affected e2e test';
    writeFileSync(contract, JSON.stringify(document));
    expect(affectedProjects(root)).toEqual(['api-client', 'api-contract', 'backend', 'frontend', 'frontend-e2e']);
  });

  it('a change in the TypeScript library affects it and the front end, not the backend', () => {
    touch(join(root, 'libs/api-client/src/index.ts'), '', '// Touched by the affected e2e test.\n');
    const affected = affectedProjects(root);
    expect(affected).toContain('api-client');
    expect(affected).toContain('frontend');
    expect(affected).not.toContain('backend');
    expect(affected).not.toContain('service-kit');
    expect(affected).not.toContain('api-contract');
    const tasks = plannedTasks(root);
    expect(tasks).toEqual(
      expect.arrayContaining(['api-client:lint', 'api-client:test', 'frontend:lint', 'frontend:test']),
    );
    expect(tasks.filter((task) => !/^(api-client|frontend|frontend-e2e):/.test(task))).toEqual([]);

    const run = nx(root, ['affected', '-t', 'lint', 'test', '--outputStyle=static']);
    expectSuccess(run);
    expect(run.stdout).toMatch(/Successfully ran targets lint, test for \d+ projects/);
  });

  it('a bumped locked package affects the projects that lock it (affected.mjs), and a tool bump every Python project', () => {
    // The lock entry of starlette (fastapi's dependency: the backend's, not service-kit's), as a
    // dependency bump would rewrite it. uv.lock is no target's input: plain Nx sees no project.
    const lock = join(root, 'uv.lock');
    const bump = (name: string) => {
      const text = readFileSync(lock, 'utf8');
      const header = `[[package]]\nname = "${name}"\nversion = "`;
      const at = text.indexOf(header);
      expect(at).toBeGreaterThanOrEqual(0);
      const versionAt = at + header.length;
      writeFileSync(lock, text.slice(0, versionAt) + '99.0.0' + text.slice(text.indexOf('"', versionAt)));
    };
    bump('starlette');
    expect(affectedProjects(root)).toEqual([]);
    const script = join(root, 'tools/scripts/affected.mjs');
    const show = spawnSync(process.execPath, [script, 'show', 'projects', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: childEnv(),
    });
    expect(show.stderr).toContain('uv.lock: 1 locked package changed (starlette ');
    // nx-monitoring depends on the backend (its live proof runs it), nx-deploy on nx-monitoring (the canary
    // reads its rules), and nx-pipeline-e2e and nx-inference (every plugin's inference in one Nx worker) on
    // nx-deploy: all are affected through the backend.
    const throughBackend = ['backend', 'frontend-e2e', 'nx-deploy', 'nx-inference', 'nx-monitoring', 'nx-pipeline-e2e'];
    expect((JSON.parse(show.stdout) as string[]).sort()).toEqual(throughBackend);

    git(root, 'checkout', '-q', '--', 'uv.lock');
    bump('ruff');
    const tools = spawnSync(process.execPath, [script, 'show', 'projects', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: childEnv(),
    });
    expect((JSON.parse(tools.stdout) as string[]).sort()).toEqual([...throughBackend, 'service-kit']);
  });

  it('an unchanged workspace affects nothing', () => {
    expect(affectedProjects(root)).toEqual([]);
  });
});

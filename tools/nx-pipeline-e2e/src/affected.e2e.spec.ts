import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, git, nx } from './workspace-copy';

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
    appendFileSync(join(root, 'libs/service-kit/src/service_kit/text.py'), '\n# touched by the affected e2e test\n');
    const affected = affectedProjects(root);
    expect(affected).toEqual(['backend', 'service-kit']);
    expect(plannedTasks(root)).toEqual(['backend:lint', 'backend:test', 'service-kit:lint', 'service-kit:test']);

    const run = nx(root, ['affected', '-t', 'lint', 'test', '--outputStyle=static']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Successfully ran targets lint, test for 2 projects');
  });

  it('a change in the TypeScript library affects it and the front end, not the backend', () => {
    appendFileSync(join(root, 'libs/api-client/src/index.ts'), '\n// touched by the affected e2e test\n');
    const affected = affectedProjects(root);
    expect(affected).toContain('api-client');
    expect(affected).toContain('frontend');
    expect(affected).not.toContain('backend');
    expect(affected).not.toContain('service-kit');
    const tasks = plannedTasks(root);
    expect(tasks).toEqual(expect.arrayContaining(['api-client:lint', 'api-client:test', 'frontend:lint', 'frontend:test']));
    expect(tasks.filter((task) => !/^(api-client|frontend|frontend-e2e):/.test(task))).toEqual([]);

    const run = nx(root, ['affected', '-t', 'lint', 'test', '--outputStyle=static']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Successfully ran targets lint, test for \d+ projects/);
  });

  it('an unchanged workspace affects nothing', () => {
    expect(affectedProjects(root)).toEqual([]);
  });
});

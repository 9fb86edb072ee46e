import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { WORKSPACE_ROOT } from './testing/nx-workspace';
import { nxTargetsIn } from './testing/workflow-commands';

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> }
interface Job { name?: string; permissions?: unknown; steps?: Step[]; env?: Record<string, string> }
interface Workflow { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job>; env?: Record<string, string> }

const WORKFLOWS_DIR = join(WORKSPACE_ROOT, '.github', 'workflows');
const ACTIONLINT = join(WORKSPACE_ROOT, '.cache', 'bin', 'actionlint');
const files = readdirSync(WORKFLOWS_DIR).filter((file) => /\.ya?ml$/.test(file)).sort();
const workflows = Object.fromEntries(files.map((file) => [file, parse(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')) as Workflow]));
/** The workflows of this project; others (cd.yml, from the deploy work) get the shared checks only. */
const OWN = ['ci.yml', 'test.yml', 'security.yml', 'performance.yml'];
const steps = (file: string) => Object.entries(workflows[file].jobs).flatMap(([id, job]) => (job.steps ?? []).map((step) => ({ job: id, step })));
/** Steps that get the cache variables: each runs its command through the outage fallback. */
const cachedSteps = (file: string) => steps(file).filter(({ step }) => step.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).map(({ step }) => step);
const runScripts = (file: string) => steps(file).filter(({ step }) => step.run).map(({ step }) => step.run as string);

/** Actions whose release commit could not be verified offline: pinned to an exact release tag instead of a SHA. */
const TAG_PINNED = new Set(['nrwl/nx-set-shas']);

describe('.github/workflows', () => {
  it('has the ci, test, security and performance workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'test.yml', 'security.yml', 'performance.yml']));
  });

  it('passes actionlint (with shellcheck on every run: script)', async () => {
    expect(existsSync(ACTIONLINT)).toBe(true); // installed by tools/scripts/setup.d/40-actionlint.sh
    expect(execFileSync('sh', ['-c', 'command -v shellcheck'], { encoding: 'utf8' }).trim()).not.toBe('');
    const run = promisify(execFile);
    const { stdout } = await run(ACTIONLINT, ['-no-color', ...files.map((file) => join('.github', 'workflows', file))], { cwd: WORKSPACE_ROOT });
    expect(stdout).toBe('');

    // The gate can fail: the same linter rejects a workflow with a script bug and an unknown context.
    const dir = await mkdtemp(join(tmpdir(), 'actionlint-'));
    const broken = join(dir, 'broken.yml');
    await writeFile(broken, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ secret.TOKEN }} $UNQUOTED_VAR\n');
    await expect(run(ACTIONLINT, ['-no-color', broken])).rejects.toMatchObject({ stdout: expect.stringContaining('undefined variable "secret"') });
    await rm(dir, { recursive: true });
  });

  it.each(files)('%s pins every action to a commit SHA (with its version) or an exact release tag', (file) => {
    for (const { step } of steps(file).filter(({ step }) => step.uses)) {
      const [action, ref] = (step.uses as string).split('@');
      if (action.startsWith('./')) continue;
      const owner = action.split('/').slice(0, 2).join('/');
      if (TAG_PINNED.has(owner)) expect(`${action}@${ref}`).toMatch(/@v\d+\.\d+\.\d+$/);
      else expect(`${action}@${ref}`).toMatch(/@[0-9a-f]{40}$/);
    }
    const text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
    for (const line of text.split('\n').filter((l) => /uses: [^.].*@[0-9a-f]{40}/.test(l))) {
      expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it.each(files)('%s declares workflow-level permissions and never write-all', (file) => {
    expect(workflows[file].permissions).toBeDefined();
    expect(JSON.stringify(workflows[file])).not.toMatch(/"permissions":"write-all"/);
  });

  it.each(OWN)('%s grants least privilege: read-only contents by default, writes only where a job needs them', (file) => {
    const workflow = workflows[file];
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(workflow.jobs)) {
      if (job.permissions === undefined) continue;
      expect(job.permissions).not.toBe('write-all');
      const writes = Object.entries(job.permissions as Record<string, string>).filter(([, level]) => level === 'write').map(([scope]) => scope);
      const needs = new Set<string>();
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('github/codeql-action/upload-sarif')) needs.add('security-events');
      }
      expect(writes.sort()).toEqual([...needs].sort());
    }
  });

  it.each(OWN)('%s installs through `npm run setup`, never a bare npm ci / npm install / pip install', (file) => {
    const scripts = runScripts(file).join('\n');
    expect(scripts).toContain('npm run setup');
    expect(scripts).not.toMatch(/\bnpm (ci|install|i)\b|\bpip3? install\b|\buv sync\b/);
  });

  it('ci.yml: push and pull_request, full history, nx-set-shas, affected gates, reports, SARIF, gates table, scoped cache tokens', () => {
    const ci = workflows['ci.yml'];
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    const all = steps('ci.yml').map(({ step }) => step);
    expect(all.find((step) => step.uses?.startsWith('actions/checkout'))?.with?.['fetch-depth']).toBe(0);
    expect(all.some((step) => step.uses?.startsWith('nrwl/nx-set-shas'))).toBe(true);
    expect(all.find((step) => step.uses?.startsWith('actions/setup-node'))?.with).toMatchObject({ cache: 'npm' });
    expect(all.some((step) => step.uses?.startsWith('actions/setup-python'))).toBe(true);
    const scripts = runScripts('ci.yml').join('\n');
    // affected.mjs is `nx affected` that also maps uv.lock changes to the projects that lock them.
    expect(scripts).toMatch(/node tools\/scripts\/affected\.mjs -t lint test scan perf --parallel/);
    expect(scripts).toContain('npx nx run cache-server:check-workflows');
    expect(scripts).toContain('node tools/scripts/gates-summary.mjs');
    expect(scripts).toContain('node tools/scripts/why-affected.mjs');
    expect(all.some((step) => step.uses?.startsWith('actions/upload-artifact'))).toBe(true);
    expect(all.some((step) => step.uses?.startsWith('github/codeql-action/upload-sarif'))).toBe(true);
    const [affected] = cachedSteps('ci.yml');
    expect(affected.run).toContain('node tools/scripts/affected.mjs -t lint test scan perf');
    const token = affected.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN ?? '';
    expect(token).toMatch(/github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'\) && secrets\.NX_CACHE_TOKEN_READ_WRITE \|\| secrets\.NX_CACHE_TOKEN_READ_ONLY/);
  });

  it.each(OWN)('%s gives the remote cache variables only to steps that run through the outage fallback', (file) => {
    const workflow = workflows[file];
    expect(workflow.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    for (const job of Object.values(workflow.jobs)) expect(job.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    for (const step of cachedSteps(file)) {
      expect(step.run).toMatch(/^node tools\/scripts\/remote-cache\.mjs -- /);
      expect(Object.keys(step.env ?? {}).filter((name) => name.startsWith('NX_SELF_HOSTED')).sort()).toEqual([
        'NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN',
        'NX_SELF_HOSTED_REMOTE_CACHE_SERVER',
      ]);
    }
  });

  it('security.yml runs daily and on pull requests; performance.yml on a schedule and by hand with the profile as input', () => {
    expect(workflows['security.yml'].on).toMatchObject({ pull_request: null, schedule: [expect.objectContaining({ cron: expect.any(String) })] });
    const scans = cachedSteps('security.yml');
    expect(scans).toHaveLength(2);
    for (const step of scans) expect(step.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toBe('${{ secrets.NX_CACHE_TOKEN_READ_ONLY }}');
    const perf = workflows['performance.yml'].on as { schedule: unknown[]; workflow_dispatch: { inputs: { profile: { type: string; options: string[] } } } };
    expect(perf.schedule).toHaveLength(1);
    expect(perf.workflow_dispatch.inputs.profile).toMatchObject({ type: 'choice', options: expect.arrayContaining(['ci', 'stress']) });
  });

  describe('nx commands', () => {
    it('finds the targets of affected, run-many, run and the <target> <project> form', () => {
      const script = 'npx nx affected -t lint test --parallel=2 && nx run-many --targets=scan,perf\nnpx nx run backend:perf:stress\nnx test api-client --watch=false\nnx show projects\nnode tools/scripts/affected.mjs -t docker --base=x';
      expect(nxTargetsIn(script, 'w').map(({ target, project }) => [target, project])).toEqual([
        ['lint', undefined], ['test', undefined], ['scan', undefined], ['perf', undefined], ['perf', 'backend'], ['test', 'api-client'], ['docker', undefined],
      ]);
    });
  });
});

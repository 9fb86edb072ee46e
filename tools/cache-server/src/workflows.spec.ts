import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { toolPath } from '@customercare/nx-core';
import { WORKSPACE_ROOT } from './testing/nx-workspace';
import { nxTargetsIn } from './testing/workflow-commands';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  if?: string;
  permissions?: unknown;
  steps?: Step[];
  env?: Record<string, string>;
}
interface Workflow {
  name?: string;
  'run-name'?: string;
  on: Record<string, unknown>;
  permissions?: unknown;
  jobs: Record<string, Job>;
  env?: Record<string, string>;
}

const WORKFLOWS_DIR = join(WORKSPACE_ROOT, '.github', 'workflows');
const ACTIONLINT = join(WORKSPACE_ROOT, '.cache', 'bin', 'actionlint');
const files = readdirSync(WORKFLOWS_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const workflows = Object.fromEntries(
  files.map((file) => [file, parse(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')) as Workflow]),
);
/** The workflows of this project; others (cd.yml, from the deploy work) get the shared checks only. */
const OWN = ['ci.yml', 'test.yml', 'security.yml', 'performance.yml'];
const steps = (file: string) =>
  Object.entries(workflows[file].jobs).flatMap(([id, job]) => (job.steps ?? []).map((step) => ({ job: id, step })));
/** Steps that get the cache variables: each runs its command through the outage fallback. */
const cachedSteps = (file: string) =>
  steps(file)
    .filter(({ step }) => step.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER)
    .map(({ step }) => step);
const runScripts = (file: string) =>
  steps(file)
    .filter(({ step }) => step.run)
    .map(({ step }) => step.run as string);

/**
 * Every job and step of `workflow` that goes on when it fails (`continue-on-error`, whatever its
 * value): a gate there could never fail its run. Jobs by id, steps as "<job>: <name>".
 */
const silenced = (workflow: Workflow) =>
  Object.entries(workflow.jobs).flatMap(([id, job]) => [
    ...('continue-on-error' in job ? [id] : []),
    ...(job.steps ?? [])
      .filter((step) => 'continue-on-error' in step)
      .map((step) => `${id}: ${step.name ?? step.uses ?? step.run}`),
  ]);

/** The machine-level Go tool cache (k6, gitleaks, actionlint) the jobs restore and hand to setup. */
const TOOL_CACHE_DIR = '${{ runner.temp }}/customercare-tools';

describe('.github/workflows', () => {
  it('has the ci, test, security and performance workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'test.yml', 'security.yml', 'performance.yml']));
  });

  it('silences no job or step (no continue-on-error): every gate can fail its run', () => {
    const found = files.map((file) => [file, silenced(workflows[file])] as const).filter(([, names]) => names.length);
    expect(Object.fromEntries(found)).toEqual({});

    // The check can fail: it finds a silenced job and a silenced step in a seeded workflow.
    const seeded = parse(
      [
        'on: push',
        'jobs:',
        '  scan:',
        '    runs-on: ubuntu-latest',
        '    continue-on-error: true',
        '    steps:',
        '      - name: semgrep',
        '        run: semgrep scan',
        '        continue-on-error: true',
        '      - run: npm test',
      ].join('\n'),
    ) as Workflow;
    expect(silenced(seeded)).toEqual(['scan', 'scan: semgrep']);
  });

  it('passes actionlint (with shellcheck on every run: script)', async () => {
    expect(existsSync(ACTIONLINT)).toBe(true); // installed by tools/scripts/setup.d/40-actionlint.sh
    // shellcheck through the resolver too, handed to actionlint rather than found on PATH.
    const shellcheck = toolPath('shellcheck', { workspaceRoot: WORKSPACE_ROOT });
    const run = promisify(execFile);
    const { stdout } = await run(
      ACTIONLINT,
      ['-no-color', `-shellcheck=${shellcheck}`, ...files.map((file) => join('.github', 'workflows', file))],
      { cwd: WORKSPACE_ROOT },
    );
    expect(stdout).toBe('');

    // The gate can fail: the same linter rejects a workflow with a script bug and an unknown context.
    const dir = await mkdtemp(join(tmpdir(), 'actionlint-'));
    const broken = join(dir, 'broken.yml');
    await writeFile(
      broken,
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ secret.TOKEN }} $UNQUOTED_VAR\n',
    );
    await expect(run(ACTIONLINT, ['-no-color', broken])).rejects.toMatchObject({
      stdout: expect.stringContaining('undefined variable "secret"'),
    });
    await rm(dir, { recursive: true });
  });

  it.each(files)('%s pins every action to a full commit SHA, with its version in a comment', (file) => {
    for (const { step } of steps(file).filter(({ step }) => step.uses)) {
      const [action, ref] = (step.uses as string).split('@');
      if (action.startsWith('./')) continue;
      expect(`${action}@${ref}`).toMatch(/@[0-9a-f]{40}$/);
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

  it.each(OWN)(
    '%s grants least privilege: read-only contents by default, writes only where a job needs them',
    (file) => {
      const workflow = workflows[file];
      expect(workflow.permissions).toEqual({ contents: 'read' });
      for (const job of Object.values(workflow.jobs)) {
        if (job.permissions === undefined) continue;
        expect(job.permissions).not.toBe('write-all');
        const writes = Object.entries(job.permissions as Record<string, string>)
          .filter(([, level]) => level === 'write')
          .map(([scope]) => scope);
        const needs = new Set<string>();
        for (const step of job.steps ?? []) {
          if (
            step.uses?.startsWith('github/codeql-action/upload-sarif') ||
            step.uses?.startsWith('github/codeql-action/analyze')
          )
            needs.add('security-events');
          if (step.run?.includes('tools/scripts/pr-comment.mjs')) needs.add('pull-requests');
          // Pushing images: the docker target with --configuration=ci (GHCR with GITHUB_TOKEN).
          if (step.run?.includes('-t docker --configuration=ci')) needs.add('packages');
        }
        expect(writes.sort()).toEqual([...needs].sort());
      }
    },
  );

  it.each(OWN)('%s installs through `npm run setup`, never a bare npm ci / npm install / pip install', (file) => {
    const scripts = runScripts(file).join('\n');
    expect(scripts).toContain('npm run setup');
    expect(scripts).not.toMatch(/\bnpm (ci|install|i)\b|\bpip3? install\b|\buv sync\b/);
  });

  it.each(OWN)(
    '%s restores the tools setup installs (keyed by their pins) before setup, and never runs npm through sudo',
    (file) => {
      for (const [id, job] of Object.entries(workflows[file].jobs)) {
        const jobSteps = job.steps ?? [];
        const setup = jobSteps.findIndex((step) => step.run === 'npm run setup');
        if (setup < 0) continue;
        const cache = jobSteps.findIndex(
          (step) => step.uses?.startsWith('actions/cache@') && String(step.with?.path).includes('.cache/bin'),
        );
        expect([id, cache >= 0 && cache < setup]).toEqual([id, true]);
        const { path, key } = jobSteps[cache].with as { path: string; key: string };
        expect(
          path
            .split('\n')
            .map((line) => line.trim())
            .filter(Boolean)
            .sort(),
        ).toEqual(['${{ runner.temp }}/customercare-tools', '.cache/bin', '.cache/uv-tools', '.cache/uv-venv']);
        expect(key).toContain('${{ runner.os }}');
        expect(key).toContain(
          "hashFiles('tools/toolchain.json', 'tools/scripts/setup.d/**', 'tools/scripts/setup-lib.sh')",
        );
        // The uv tools' environments point at the runner's Python: a new patch release makes a new key.
        expect(key).toContain('${{ steps.python.outputs.python-version }}');
        expect(jobSteps.find((step) => step.uses?.startsWith('actions/setup-python'))).toMatchObject({ id: 'python' });
        // Setup builds the Go tools into the folder the cache restores.
        expect(jobSteps[setup].env?.TOOL_CACHE_DIR).toBe(TOOL_CACHE_DIR);
      }
      // Setup goes through sudo itself (setup-lib.sh as_root): npm run as root would leave root-owned files.
      expect(runScripts(file).join('\n')).not.toMatch(/\bsudo\b/);
    },
  );

  it('cd.yml (the release) restores no dependency or tool cache: nothing another run wrote reaches a deploy', () => {
    const all = steps('cd.yml').map(({ step }) => step);
    expect(all.filter((step) => step.uses?.startsWith('actions/cache'))).toEqual([]);
    for (const step of all.filter((step) => /^actions\/setup-(node|python)@/.test(step.uses ?? ''))) {
      expect(step.with?.cache).toBeUndefined();
    }
    // setup-node 5+ caches npm on its own unless told not to.
    expect(all.find((step) => step.uses?.startsWith('actions/setup-node'))?.with?.['package-manager-cache']).toBe(
      false,
    );
  });

  it("cd.yml deploys CI's release manifest by digest: staging after CI succeeded on main, production on v* tags", () => {
    const cd = workflows['cd.yml'];
    expect(cd.on).toEqual({
      workflow_run: { workflows: ['CI'], types: ['completed'], branches: ['main'] },
      push: { tags: ['v*'] },
      workflow_dispatch: expect.anything(),
    });
    expect(cd.permissions).toEqual({});
    const job = cd.jobs.deploy;
    // Only a successful CI run of a push to main of this repository (a fork's pull request from its own main has head_branch main).
    for (const condition of [
      "github.event.workflow_run.conclusion == 'success'",
      "github.event.workflow_run.event == 'push'",
      "github.event.workflow_run.head_branch == 'main'",
      'github.event.workflow_run.head_repository.full_name == github.repository',
    ])
      expect(job.if).toContain(condition);
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read', packages: 'write', 'id-token': 'write' });
    const all = job.steps ?? [];
    // main's copy of the repository (workflow_run's default), never the triggering run's head.
    expect(all.find((step) => step.uses?.startsWith('actions/checkout'))?.with).toEqual({
      'persist-credentials': false,
    });
    // The manifest of that very commit, from the CI run that triggered this one (else the commit's successful CI run).
    const manifest = all.find((step) => step.id === 'manifest') as Step;
    expect(manifest.env).toMatchObject({ TRIGGER_RUN: '${{ github.event.workflow_run.id }}' });
    expect(job.env?.RELEASE).toContain('github.event.workflow_run.head_sha');
    expect(manifest.run).toContain(
      'gh run download "$run_id" --repo "$REPO" --name "release-manifest-$RELEASE" --dir release',
    );
    expect(manifest.run).toContain('actions/workflows/ci.yml/runs?head_sha=$RELEASE&event=push&status=success');
    expect(manifest.run).toContain('select(.head_branch == "main" and .head_repository.full_name == env.REPO)');
    // The name ci.yml uploads it under, for the same commit.
    const uploads = steps('ci.yml').filter(({ step }) => step.uses?.startsWith('actions/upload-artifact'));
    expect(uploads.map(({ step }) => step.with)).toContainEqual(
      expect.objectContaining({ name: 'release-manifest-${{ github.sha }}', path: 'release-manifest.json' }),
    );
    // The same digest, never a rebuild: the deploy gets the manifest; nothing builds or pushes an image.
    const deploy = all.find((step) => step.name?.startsWith('Deploy the manifest')) as Step;
    expect(deploy.run).toContain('npx nx run "backend:deploy:$TARGET_ENV" "--manifest=$MANIFEST"');
    expect(runScripts('cd.yml').join('\n')).not.toMatch(/:docker\b|podman (build|push)|crane (copy|push)/);
    // Google Cloud by workload identity federation, never a long-lived JSON key.
    const auth = all.find((step) => step.uses?.startsWith('google-github-actions/auth@')) as Step;
    expect(auth.uses).toMatch(/^google-github-actions\/auth@[0-9a-f]{40}$/);
    expect(auth.with).toEqual({
      workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}',
      service_account: '${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}',
    });
    expect(JSON.stringify(cd)).not.toMatch(/GCP_SERVICE_ACCOUNT_KEY|activate-service-account|key-file/);
    // The front end ships after the API: the manifest's image in staging, Vercel in production.
    const frontend = all.find((step) => step.name?.startsWith('Deploy the front end')) as Step;
    expect(all.indexOf(frontend)).toBeGreaterThan(all.indexOf(deploy));
    expect(frontend.run).toContain('npx nx run "frontend:deploy:$TARGET_ENV" "--manifest=$MANIFEST"');
    expect(frontend.run).toContain('npx nx run frontend:deploy:production "--release=$GITHUB_REF_NAME"');
    // No event field reaches a shell: every script gets them through its environment.
    expect(all.filter((step) => step.run).every((step) => !String(step.run).includes('${{'))).toBe(true);
  });

  it('performance.yml takes its baseline only from its own scheduled runs of main in this repository', () => {
    const perf = steps('performance.yml').map(({ step }) => step);
    const find = perf.find((step) => step.name?.startsWith('Find the baseline'))?.run ?? '';
    // Listing this workflow's runs, never looking an artifact up by name (a fork's pull request can upload one).
    expect(find).not.toMatch(/actions\/artifacts\?name=/);
    expect(find).toContain(
      'repos/$REPO/actions/workflows/performance.yml/runs?event=schedule&branch=main&status=success',
    );
    expect(find).toContain(
      'select(.event == "schedule" and .head_branch == "main" and .repository.full_name == env.REPO and .head_repository.full_name == env.REPO)',
    );
    expect(find).toContain('repos/$REPO/actions/runs/$id/artifacts?name=perf-baseline-$PERF_PROFILE');
    const download = perf.find((step) => step.uses?.startsWith('actions/download-artifact'));
    expect(download?.with).toMatchObject({ 'run-id': '${{ steps.baseline.outputs.run-id }}' });
    expect(download?.with?.repository).toBeUndefined();
    const upload = perf.find((step) => step.name === 'Upload this run as the next baseline');
    expect(upload?.if).toContain("github.event_name == 'schedule'");
    expect(upload?.if).toContain("github.ref == 'refs/heads/main'");
  });

  it('ci.yml: push, pull_request and by hand with the shard count; the name stays CI (other workflows follow it by name)', () => {
    const ci = workflows['ci.yml'] as Workflow & { name: string };
    expect(ci.name).toBe('CI');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    const dispatch = ci.on.workflow_dispatch as { inputs: { shards: { type: string; default: number } } };
    expect(dispatch.inputs.shards).toMatchObject({ type: 'number', default: 3 });
    expect(Object.keys(ci.jobs).sort()).toEqual(['merge', 'plan', 'pr-comment', 'publish', 'shard']);
    // Every job that runs the workspace installs it the same way, and shows the tools table right after.
    for (const id of ['plan', 'shard', 'merge', 'publish']) {
      const jobSteps = ci.jobs[id].steps ?? [];
      const setup = jobSteps.findIndex((step) => step.run === 'npm run setup');
      expect([id, setup >= 0, jobSteps[setup + 1]?.run]).toEqual([id, true, 'npm run doctor']);
      expect(jobSteps.find((step) => step.uses?.startsWith('actions/setup-node'))?.with).toMatchObject({
        cache: 'npm',
      });
      expect(jobSteps.some((step) => step.uses?.startsWith('actions/setup-python'))).toBe(true);
    }
  });

  it('ci.yml plan job: full history, nx-set-shas, why-affected, check-workflows, format:check, check-docs, the run history of main, the plan as output and artifact', () => {
    const plan = workflows['ci.yml'].jobs.plan as Job & { outputs: Record<string, string> };
    const planSteps = plan.steps ?? [];
    expect(planSteps.find((step) => step.uses?.startsWith('actions/checkout'))?.with?.['fetch-depth']).toBe(0);
    expect(planSteps.some((step) => step.uses?.startsWith('nrwl/nx-set-shas'))).toBe(true);
    const scripts = planSteps.map((step) => step.run ?? '').join('\n');
    expect(scripts).toContain('node tools/scripts/why-affected.mjs');
    expect(scripts).toContain('npx nx run cache-server:check-workflows');
    // Formatting and the docs check on every run, as `npm run pipeline` (format:check before lint) and
    // `npm test` (scripts:check-docs) run them; format:check needs the SHAs nx-set-shas exports.
    const index = (match: (step: Step) => boolean) => planSteps.findIndex(match);
    const format = index((s) => s.run === 'npx nx format:check --base="$NX_BASE" --head="$NX_HEAD"');
    expect(format).toBeGreaterThan(index((s) => s.uses?.startsWith('nrwl/nx-set-shas') ?? false));
    expect(index((s) => s.run === 'npx nx run scripts:check-docs')).toBeGreaterThan(0);
    // The planner: affected tasks of every gate target, N from the input (3 on push and pull request).
    const step = planSteps.find((s) => s.id === 'plan');
    expect(step?.run).toMatch(
      /node tools\/scripts\/ci\/plan\.mjs --base="\$NX_BASE" --head="\$NX_HEAD" --shards="\$SHARDS"/,
    );
    expect(step?.run).toContain('--targets=lint,test,scan,perf,typecheck,build,e2e,docker');
    expect(step?.run).toContain('--github-output');
    expect(step?.env?.SHARDS).toBe('${{ inputs.shards || 3 }}');
    expect(plan.outputs.shards).toBe('${{ steps.plan.outputs.shards }}');
    // The history comes only from this workflow's own successful pushes to main in this repository.
    const find = planSteps.find((s) => s.id === 'history')?.run ?? '';
    expect(find).toContain('repos/$REPO/actions/workflows/ci.yml/runs?event=push&branch=main&status=success');
    expect(find).toContain(
      'select(.event == "push" and .head_branch == "main" and .repository.full_name == env.REPO and .head_repository.full_name == env.REPO)',
    );
    expect(planSteps.find((s) => s.uses?.startsWith('actions/download-artifact'))?.with).toMatchObject({
      name: 'ci-history',
      'run-id': '${{ steps.history.outputs.run-id }}',
    });
    expect(planSteps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with).toMatchObject({
      name: 'ci-plan-${{ github.run_id }}',
    });
  });

  it('ci.yml shard job: a matrix over the planned shards, each through the cache fallback with scoped tokens, its reports uploaded', () => {
    const shard = workflows['ci.yml'].jobs.shard as Job & {
      needs: string;
      if: string;
      strategy: { 'fail-fast': boolean; matrix: { shard: string } };
    };
    expect(shard.needs).toBe('plan');
    expect(shard.if).toContain("needs.plan.outputs.shards != '[]'");
    expect(shard.strategy).toEqual({
      'fail-fast': false,
      matrix: { shard: '${{ fromJSON(needs.plan.outputs.shards) }}' },
    });
    const [run] = cachedSteps('ci.yml');
    // The shard's tasks, and the publish job's image pushes (below).
    expect(cachedSteps('ci.yml')).toHaveLength(2);
    expect(run.run).toBe(
      'node tools/scripts/remote-cache.mjs -- node tools/scripts/ci/run-shard.mjs --plan plan/plan.json --shard "$SHARD"',
    );
    expect(run.env?.SHARD).toBe('${{ matrix.shard }}');
    // Read-write only for pushes to main; pull requests read.
    expect(run.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN ?? '').toMatch(
      /github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'\) && secrets\.NX_CACHE_TOKEN_READ_WRITE \|\| secrets\.NX_CACHE_TOKEN_READ_ONLY/,
    );
    expect((shard.steps ?? []).find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with).toMatchObject({
      name: 'reports-${{ github.run_id }}-shard-${{ matrix.shard }}',
    });
  });

  it("ci.yml merge job: every shard's reports, one gates table, one JUnit summary, one SARIF upload, the history kept on main, fails when a shard failed", () => {
    const merge = workflows['ci.yml'].jobs.merge as Job & { needs: string[]; if: string };
    expect(merge.needs).toEqual(['plan', 'shard']);
    expect(merge.if).toBe('${{ !cancelled() }}');
    const mergeSteps = merge.steps ?? [];
    expect(mergeSteps.find((s) => s.with?.pattern)?.with).toEqual({
      pattern: 'reports-${{ github.run_id }}-shard-*',
      'merge-multiple': true,
      path: 'reports/',
    });
    const scripts = mergeSteps.map((s) => s.run ?? '').join('\n');
    expect(scripts).toContain('node tools/scripts/ci/merge-shards.mjs --plan plan/plan.json --reports reports');
    expect(scripts).toContain('node tools/scripts/gates-summary.mjs');
    // One SARIF upload and one gates table for the whole workflow, both here.
    const all = steps('ci.yml');
    expect(
      all.filter(({ step }) => step.uses?.startsWith('github/codeql-action/upload-sarif')).map(({ job }) => job),
    ).toEqual(['merge']);
    expect(all.filter(({ step }) => step.run?.includes('gates-summary.mjs')).map(({ job }) => job)).toEqual(['merge']);
    // pr-comment reads the merged reports under the name it always had.
    expect(mergeSteps.find((s) => s.with?.name === 'reports-${{ github.run_id }}')?.uses).toMatch(
      /^actions\/upload-artifact@/,
    );
    expect(workflows['ci.yml'].jobs['pr-comment']).toMatchObject({ needs: 'merge' });
    const history = mergeSteps.find((s) => s.with?.name === 'ci-history');
    expect(history?.if).toContain("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    const last = mergeSteps.at(-1);
    expect(last?.env).toEqual({ PLAN: '${{ needs.plan.result }}', SHARDS: '${{ needs.shard.result }}' });
    expect(last?.run).toContain('exit 1');
  });

  it('ci.yml publish job: main only after every gate passed, the only job that writes packages; pushes every deployable image by digest and uploads the release manifest by commit', () => {
    const ci = workflows['ci.yml'];
    const publish = ci.jobs.publish as Job & { needs: string; if: string };
    expect(publish.needs).toBe('merge');
    // No status function: GitHub adds success(), so a failed gate (merge) stops it.
    expect(publish.if).toBe("${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}");
    expect(publish.permissions).toEqual({ contents: 'read', packages: 'write' });
    const writers = Object.entries(ci.jobs)
      .filter(([, job]) => JSON.stringify(job.permissions ?? {}).includes('"packages":"write"'))
      .map(([id]) => id);
    expect(writers).toEqual(['publish']);
    expect(ci.permissions).toEqual({ contents: 'read' });
    const all = publish.steps ?? [];
    const index = (predicate: (step: Step) => boolean) => all.findIndex(predicate);
    // The gate results of this run, then the login, the push, the manifest, its upload: in that order.
    const reports = index((step) => step.with?.name === 'reports-${{ github.run_id }}');
    const login = index((step) => step.name === 'Log in to the registry');
    const push = index((step) => step.run?.includes('-t docker --configuration=ci') ?? false);
    const manifest = index((step) => step.run?.includes('tools/scripts/release-manifest.mjs') ?? false);
    const upload = index((step) => step.with?.name === 'release-manifest-${{ github.sha }}');
    expect([reports, login, push, manifest, upload].every((i, n, list) => i >= 0 && (n === 0 || i > list[n - 1]))).toBe(
      true,
    );
    // GHCR with the job's token unless another registry is configured; the password only through stdin.
    expect(all[login].env).toMatchObject({
      REGISTRY: '${{ vars.CONTAINER_REGISTRY }}',
      REGISTRY_PASSWORD: '${{ secrets.CONTAINER_REGISTRY_PASSWORD || secrets.GITHUB_TOKEN }}',
    });
    expect(all[login].run).toContain('registry=${REGISTRY:-ghcr.io/${REPO,,}}');
    expect(all[login].run).toContain('--password-stdin');
    expect(all[login].run).not.toContain('${{');
    // Every project with a docker target, pushed through the cache fallback with the read-write token (main only).
    expect(all[push].run).toBe(
      'node tools/scripts/remote-cache.mjs -- npx nx run-many -t docker --configuration=ci --engine=podman --projects="$PROJECTS" --parallel=1',
    );
    expect(all[push].env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toBe('${{ secrets.NX_CACHE_TOKEN_READ_WRITE }}');
    expect(all.find((step) => step.id === 'deployable')?.run).toContain('nx show projects --with-target docker');
    // The manifest names exactly those projects and checks the registry serves each digest.
    expect(all[manifest].run).toContain(
      'node tools/scripts/release-manifest.mjs --projects "$PROJECTS" --out release-manifest.json --verify',
    );
    expect(all[upload].with).toMatchObject({ path: 'release-manifest.json', 'if-no-files-found': 'error' });
    // Pull requests: no job of theirs may push (pr-comment only writes the comment).
    for (const [id, job] of Object.entries(ci.jobs)) {
      if (id === 'publish') continue;
      expect([id, (job.steps ?? []).some((step) => step.run?.includes('--configuration=ci'))]).toEqual([id, false]);
    }
  });

  it("notify.yml: on completed CI and CD runs, read-only, main's code, the Slack secret only for notify.mjs", () => {
    const notify = workflows['notify.yml'];
    expect(notify.on).toEqual({ workflow_run: { workflows: ['CI', 'CD'], types: ['completed'] } });
    expect([workflows['ci.yml'].name, workflows['cd.yml'].name]).toEqual(['CI', 'CD']);
    expect(notify.permissions).toEqual({});
    const [job] = Object.values(notify.jobs);
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read' });
    // Only runs of this repository (a fork's pull request from its own main has head_branch main).
    expect(job.if).toContain('github.event.workflow_run.head_repository.full_name == github.repository');
    const all = job.steps ?? [];
    // main's copy of the repository (workflow_run's default), never the triggering run's head.
    const checkout = all.find((step) => step.uses?.startsWith('actions/checkout'));
    expect(checkout?.with).toEqual({ 'persist-credentials': false });
    // The gates table: the artifact ci.yml uploads, from the run that triggered this one.
    const uploads = steps('ci.yml').filter(({ step }) => step.uses?.startsWith('actions/upload-artifact'));
    expect(uploads.map(({ step }) => step.with?.name)).toContain('reports-${{ github.run_id }}');
    const download = all.find((step) => step.uses?.startsWith('actions/download-artifact'));
    // Only CI runs have reports, and the download runs only when the artifact exists (no step is
    // silenced: see "silences no job or step").
    const check = all.find((step) => step.id === 'reports');
    expect(check?.if).toBe("github.event.workflow_run.name == 'CI'");
    expect(download?.if).toBe("steps.reports.outputs.found == 'true'");
    expect(download?.with).toMatchObject({
      name: 'reports-${{ github.event.workflow_run.id }}',
      'run-id': '${{ github.event.workflow_run.id }}',
    });
    // No run field reaches a shell: notify.mjs reads the event file itself.
    // The artifact check gets the run id through its environment, never interpolated into the script.
    const scripts = all.filter((step) => step.run);
    expect(scripts.map((step) => step.id ?? step.run)).toEqual([
      'reports',
      'node tools/scripts/notify.mjs --reports reports',
    ]);
    expect(scripts.every((step) => !String(step.run).includes('${{'))).toBe(true);
    expect(scripts[0].env).toEqual({
      GH_TOKEN: '${{ github.token }}',
      REPO: '${{ github.repository }}',
      RUN_ID: '${{ github.event.workflow_run.id }}',
    });
    expect(scripts[1].env).toEqual({ SLACK_WEBHOOK_URL: '${{ secrets.SLACK_WEBHOOK_URL }}' });
    expect(JSON.stringify(notify.jobs).match(/secrets\./g)).toHaveLength(1);
    // notify.mjs tells production deploys and rollbacks by CD's run-name: "<action> <environment> <release>".
    expect(workflows['cd.yml']['run-name']).toBe(
      ['ACTION', 'TARGET_ENV', 'RELEASE'].map((name) => workflows['cd.yml'].jobs.deploy.env?.[name]).join(' '),
    );
  });

  it.each(OWN)('%s gives the remote cache variables only to steps that run through the outage fallback', (file) => {
    const workflow = workflows[file];
    expect(workflow.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    for (const job of Object.values(workflow.jobs)) expect(job.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    for (const step of cachedSteps(file)) {
      expect(step.run).toMatch(/^node tools\/scripts\/remote-cache\.mjs -- /);
      expect(
        Object.keys(step.env ?? {})
          .filter((name) => name.startsWith('NX_SELF_HOSTED'))
          .sort(),
      ).toEqual(['NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN', 'NX_SELF_HOSTED_REMOTE_CACHE_SERVER']);
    }
  });

  it('security.yml runs daily and on pull requests; performance.yml on a schedule and by hand with the profile as input', () => {
    expect(workflows['security.yml'].on).toMatchObject({
      pull_request: null,
      schedule: [expect.objectContaining({ cron: expect.any(String) })],
    });
    const scans = cachedSteps('security.yml');
    // scan and dast: the affected projects on a pull request, every project on the schedule.
    expect(scans).toHaveLength(4);
    for (const step of scans)
      expect(step.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toBe('${{ secrets.NX_CACHE_TOKEN_READ_ONLY }}');
    const perf = workflows['performance.yml'].on as {
      schedule: unknown[];
      workflow_dispatch: { inputs: { profile: { type: string; options: string[] } } };
    };
    expect(perf.schedule).toHaveLength(1);
    expect(perf.workflow_dispatch.inputs.profile).toMatchObject({
      type: 'choice',
      options: expect.arrayContaining(['ci', 'stress']),
    });
  });

  it('security.yml runs dast nightly for every service, and on pull requests only when one touches a service', () => {
    const job = workflows['security.yml'].jobs.dast;
    const byName = (name: string) => (job.steps ?? []).find((step) => step.name === name) as Step;
    const paths = byName('Does the pull request touch a service?');
    expect(paths.if).toBe("${{ github.event_name == 'pull_request' }}");
    expect(paths.run).toContain('git diff --quiet "$NX_BASE" "$NX_HEAD" -- apps libs tools/plugins/dast');
    const affected = byName('DAST of the affected services');
    expect(affected.if).toBe("${{ github.event_name == 'pull_request' && steps.paths.outputs.touched == 'true' }}");
    expect(nxTargetsIn(affected.run as string, 'security.yml').map(({ target }) => target)).toEqual(['dast']);
    const nightly = byName('DAST of every service (fresh, no cache)');
    expect(nightly.if).toBe("${{ github.event_name != 'pull_request' }}");
    expect(nightly.run).toContain('nx run-many -t dast --parallel=1 --skip-nx-cache');
    // Reports: SARIF to code scanning under its own category, and everything as an artifact.
    const sarif = (job.steps ?? []).find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif'));
    expect(sarif?.with).toEqual({ sarif_file: 'reports/', category: 'dast' });
    const artifact = (job.steps ?? []).find((step) => step.uses?.startsWith('actions/upload-artifact'));
    expect(artifact?.with).toMatchObject({ path: 'reports/' });
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read', 'security-events': 'write' });
  });

  describe('nx commands', () => {
    it('finds the targets the sharded CI plan hands to nx affected', () => {
      const script =
        'node tools/scripts/ci/plan.mjs --base="$NX_BASE" --shards=3 --targets=lint,e2e --out=plan/plan.json';
      expect(nxTargetsIn(script, 'w').map(({ target }) => target)).toEqual(['lint', 'e2e']);
    });

    it('finds the targets of affected, run-many, run and the <target> <project> form', () => {
      const script =
        'npx nx affected -t lint test --parallel=2 && nx run-many --targets=scan,perf\nnpx nx run backend:perf:stress\nnx test api-client --watch=false\nnx show projects\nnode tools/scripts/affected.mjs -t docker --base=x';
      expect(nxTargetsIn(script, 'w').map(({ target, project }) => [target, project])).toEqual([
        ['lint', undefined],
        ['test', undefined],
        ['scan', undefined],
        ['perf', undefined],
        ['perf', 'backend'],
        ['test', 'api-client'],
        ['docker', undefined],
      ]);
    });
  });
});

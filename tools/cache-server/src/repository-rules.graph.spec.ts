import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { nodeRuntimeTool } from '@customercare/nx-core';
import { WORKSPACE_ROOT } from './testing/nx-workspace';

const run = promisify(execFile);
const read = (file: string) => readFileSync(join(WORKSPACE_ROOT, file), 'utf8');

/**
 * Renovate's own validator. The renovate package (800 packages, 320 MB) is not a devDependency: npx
 * runs the version tools/toolchain.json pins (39: the last major that runs on Node 20; 40+ need 22),
 * which setup has fetched into npm's cache (a fresh machine's first download took over 3 minutes).
 */
const RENOVATE = `renovate@${(JSON.parse(read('tools/toolchain.json')) as { npxPackages: { renovate: string } }).npxPackages.renovate}`;

describe('renovate.json', () => {
  it("passes Renovate's config validator (strict: no deprecated options)", async () => {
    const { stdout } = await run(
      nodeRuntimeTool('npx'),
      ['--yes', '--package', RENOVATE, '--', 'renovate-config-validator', '--strict', 'renovate.json'],
      {
        cwd: WORKSPACE_ROOT,
        env: { ...process.env, LOG_FORMAT: 'text', npm_config_update_notifier: 'false' },
      },
    );
    expect(stdout).toContain('Config validated successfully');
  });

  it('waits as long as the dependency age gate, groups Nx with nx migrate, maintains the lockfiles and lets security updates through at once', () => {
    const renovate = JSON.parse(read('renovate.json'));
    const days = JSON.parse(read('gates.json')).defaults.security.dependencyAge.minReleaseAgeDays;
    expect(renovate.minimumReleaseAge).toBe(`${days} days`);
    expect(read('.npmrc').split('\n')).toContain(`min-release-age=${days}`);
    expect(read('pyproject.toml').split('\n')).toContain(`exclude-newer = "${days} days"`);
    expect(read('uv.lock')).toContain(`exclude-newer-span = "P${days}D"`);

    const nx = renovate.packageRules.find((rule: { groupName?: string }) => rule.groupName === 'Nx');
    expect(nx.matchPackageNames).toEqual(['nx', '@nx/**']);
    const migrate = renovate.packageRules.find((rule: { postUpgradeTasks?: unknown }) => rule.postUpgradeTasks);
    expect(migrate.postUpgradeTasks.commands).toContain('node node_modules/nx/bin/nx.js migrate {{{newVersion}}}');
    expect(renovate.lockFileMaintenance.enabled).toBe(true);
    expect(renovate.vulnerabilityAlerts).toMatchObject({
      enabled: true,
      minimumReleaseAge: null,
      schedule: ['at any time'],
    });
  });
});

interface Job {
  name?: string;
  strategy?: { matrix?: Record<string, unknown[] | string> };
}
interface Workflow {
  on: Record<string, unknown> | string[];
  jobs: Record<string, Job>;
}

/** The check names a workflow's jobs report, with `${{ matrix.x }}` expanded over a one-key matrix. */
function checkNames(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs).flatMap(([id, job]) => {
    const name = job.name ?? id;
    const start = name.indexOf('${{ matrix.');
    if (start < 0) return [name];
    const expression = name.slice(start, name.indexOf('}}', start) + 2);
    const key = expression.slice('${{ matrix.'.length, -2).trim();
    // A matrix computed at run time (ci.yml's shards) has no names to require.
    const values = job.strategy?.matrix?.[key];
    return Array.isArray(values) ? values.map((value) => name.replace(expression, String(value))) : [];
  });
}

describe('.github/rulesets/main.json and CODEOWNERS', () => {
  const ruleset = JSON.parse(read('.github/rulesets/main.json'));
  const workflowsDir = join(WORKSPACE_ROOT, '.github', 'workflows');
  const workflows = readdirSync(workflowsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => parse(readFileSync(join(workflowsDir, f), 'utf8')) as Workflow);
  const onPullRequest = workflows.filter((w) =>
    Array.isArray(w.on) ? w.on.includes('pull_request') : 'pull_request' in w.on,
  );

  it('requires only status checks that are jobs of workflows that run on pull requests', () => {
    const required = ruleset.rules
      .find((r: { type: string }) => r.type === 'required_status_checks')
      .parameters.required_status_checks.map((c: { context: string }) => c.context);
    const available = onPullRequest.flatMap(checkNames);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((context: string) => !available.includes(context))).toEqual([]);
    expect(required).toEqual(expect.arrayContaining(['CodeQL (python)', 'CodeQL (javascript-typescript)']));
  });

  it("requires a code owner's review, and CODEOWNERS names owners for the gates, security config, workflows, rulesets, deploy configs and the toolchain", () => {
    const review = ruleset.rules.find((r: { type: string }) => r.type === 'pull_request').parameters;
    expect(review).toMatchObject({ require_code_owner_review: true, required_approving_review_count: 1 });
    const owned = read('.github/CODEOWNERS')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => line.split(/\s+/))
      .filter((fields) => fields.length > 1 && fields.slice(1).every((owner) => /^@[\w-]+\/[\w-]+$/.test(owner)))
      .map((fields) => fields[0]);
    expect(owned).toEqual(
      expect.arrayContaining([
        '/gates.json',
        '/security/',
        '/.github/workflows/',
        '/.github/rulesets/',
        '/apps/*/deploy.yml',
        '/tools/toolchain.json',
        '/renovate.json',
      ]),
    );
  });
});

/** A local server that answers like GitHub's REST API for rulesets and issue comments, and records every request. */
async function fakeGitHub(): Promise<{
  server: Server;
  url: string;
  requests: string[];
  rulesets: Array<Record<string, unknown>>;
  comments: Array<{ id: number; body: string }>;
}> {
  const requests: string[] = [];
  const rulesets: Array<Record<string, unknown>> = [{ id: 7, name: 'release', source_type: 'Repository' }];
  const comments = [{ id: 1, body: 'Looks good to me' }];
  let nextId = 100;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      requests.push(`${request.method} ${url.pathname}`);
      const reply = (status: number, body: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.headers.authorization !== 'Bearer test-token') return reply(401, { message: 'Bad credentials' });
      const body = raw ? JSON.parse(raw) : undefined;
      const ruleset = url.pathname.startsWith('/repos/acme/app/rulesets')
        ? [url.pathname, url.pathname.split('/')[5]]
        : null;
      if (ruleset && request.method === 'GET') return reply(200, rulesets);
      if (ruleset && request.method === 'POST')
        return reply(201, rulesets[rulesets.push({ ...body, id: nextId++, source_type: 'Repository' }) - 1]);
      if (ruleset && request.method === 'PUT') {
        const at = rulesets.findIndex((r) => r.id === Number(ruleset[1]));
        rulesets[at] = { ...body, id: Number(ruleset[1]), source_type: 'Repository' };
        return reply(200, rulesets[at]);
      }
      if (url.pathname === '/repos/acme/app/issues/42/comments' && request.method === 'GET')
        return reply(200, comments);
      if (url.pathname === '/repos/acme/app/issues/42/comments' && request.method === 'POST') {
        const comment = { id: nextId++, body: body.body };
        comments.push(comment);
        return reply(201, { ...comment, html_url: `https://github.com/acme/app/pull/42#issuecomment-${comment.id}` });
      }
      const edit = /^\/repos\/acme\/app\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (edit && request.method === 'PATCH') {
        const comment = comments.find((c) => c.id === Number(edit[1]));
        if (!comment) return reply(404, { message: 'Not Found' });
        comment.body = body.body;
        return reply(200, { ...comment, html_url: `https://github.com/acme/app/pull/42#issuecomment-${comment.id}` });
      }
      return reply(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, rulesets, comments };
}

describe('tools/scripts against a local server that answers like GitHub', () => {
  let github: Awaited<ReturnType<typeof fakeGitHub>>;
  let dir: string;
  beforeEach(async () => {
    github = await fakeGitHub();
    dir = mkdtempSync(join(tmpdir(), 'repository-rules-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => github.server.close(resolve));
  });
  const script = (name: string, args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, [join(WORKSPACE_ROOT, 'tools/scripts', name), ...args], {
      cwd: WORKSPACE_ROOT,
      env: {
        ...process.env,
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: 'test-token',
        GITHUB_REPOSITORY: 'acme/app',
        ...env,
      },
    });

  it('apply-ruleset.mjs creates the ruleset by name, then updates the same one; --dry-run writes nothing', async () => {
    const dry = await script('apply-ruleset.mjs', ['--dry-run']);
    expect(dry.stdout).toContain('dry run: would create ruleset "main" on acme/app (POST /repos/acme/app/rulesets)');
    expect(github.requests).toEqual(['GET /repos/acme/app/rulesets']);

    expect((await script('apply-ruleset.mjs', [])).stdout).toBe('created ruleset "main" (id 100) on acme/app\n');
    expect((await script('apply-ruleset.mjs', [])).stdout).toBe('updated ruleset "main" (id 100) on acme/app\n');
    expect(github.requests.slice(1)).toEqual([
      'GET /repos/acme/app/rulesets',
      'POST /repos/acme/app/rulesets',
      'GET /repos/acme/app/rulesets',
      'PUT /repos/acme/app/rulesets/100',
    ]);
    expect(github.rulesets.filter((r) => r.name === 'main')).toEqual([
      { ...JSON.parse(read('.github/rulesets/main.json')), id: 100, source_type: 'Repository' },
    ]);
  });

  it('apply-ruleset.mjs says what is wrong when the token is refused', async () => {
    await expect(script('apply-ruleset.mjs', [], { GITHUB_TOKEN: 'wrong' })).rejects.toMatchObject({
      stderr: `apply-ruleset: GET ${github.url}/repos/acme/app/rulesets?per_page=100&includes_parents=false answered 401: Bad credentials. The token is missing or invalid: set GITHUB_TOKEN.\n`,
    });
  });

  it('pr-comment.mjs creates one gates comment, then edits the same comment on the next push', async () => {
    const gate = (measured: number, passed: boolean) => [
      {
        project: 'backend',
        gate: 'coverage',
        measured,
        threshold: 80,
        passed,
        report: 'reports/apps/backend/test/coverage.xml',
        ...(passed ? {} : { reason: `line coverage ${measured} % < 80 %` }),
      },
    ];
    const reports = join(dir, 'reports');
    const write = (results: unknown) => {
      rmSync(reports, { recursive: true, force: true });
      mkdirSync(join(reports, 'apps/backend/test'), { recursive: true });
      writeFileSync(join(reports, 'apps/backend/test/gate-results.json'), JSON.stringify(results));
      writeFileSync(join(reports, 'why-affected.md'), 'backend: apps/backend/src/app.py changed\n');
    };
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 42 } }));
    const env = { GITHUB_EVENT_PATH: event, GITHUB_RUN_ID: '555', GITHUB_SERVER_URL: 'https://github.com' };

    write(gate(71, false));
    const first = await script(
      'pr-comment.mjs',
      ['--reports', reports, '--why', join(reports, 'why-affected.md')],
      env,
    );
    expect(first.stdout).toBe(
      'pr-comment: created the gates comment on acme/app#42: https://github.com/acme/app/pull/42#issuecomment-100\n',
    );
    write(gate(85, true));
    const second = await script('pr-comment.mjs', ['--reports', reports, '--why', join(reports, 'why-affected.md')], {
      ...env,
      GITHUB_RUN_ID: '556',
    });
    expect(second.stdout).toBe(
      'pr-comment: updated the gates comment on acme/app#42: https://github.com/acme/app/pull/42#issuecomment-100\n',
    );

    expect(github.requests).toEqual([
      'GET /repos/acme/app/issues/42/comments',
      'POST /repos/acme/app/issues/42/comments',
      'GET /repos/acme/app/issues/42/comments',
      'PATCH /repos/acme/app/issues/comments/100',
    ]);
    expect(github.comments.map((c) => c.id)).toEqual([1, 100]);
    const body = github.comments[1].body;
    expect(body.startsWith('<!-- customercare:quality-gates -->\n## Quality gates: ✅ all passed (1/1)\n')).toBe(true);
    expect(body).toContain('Reports: [`reports-556` artifact](https://github.com/acme/app/actions/runs/556#artifacts)');
    expect(body).toContain('| backend | coverage | 85 | 80 | ✅ pass | `reports/apps/backend/test/coverage.xml` |');
    expect(body).toContain('backend: apps/backend/src/app.py changed');
  });
});

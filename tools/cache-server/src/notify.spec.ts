import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WORKSPACE_ROOT } from './testing/nx-workspace';

/** tools/scripts/notify.mjs, run as notify.yml runs it, posting to a Slack stand-in on 127.0.0.1. */
const SCRIPT = join(WORKSPACE_ROOT, 'tools/scripts/notify.mjs');

interface Posted {
  path: string;
  contentType: string | undefined;
  body: { text: string; blocks: Array<{ type: string; text: { type: string; text: string } }> };
}

const REPO = { full_name: 'acme/customercare' };
const run = (overrides: Record<string, unknown>) => ({
  id: 4242,
  run_number: 17,
  name: 'CI',
  event: 'push',
  head_branch: 'main',
  head_sha: '0123456789abcdef0123456789abcdef01234567',
  display_title: 'fix(backend): a change',
  conclusion: 'failure',
  html_url: 'https://github.com/acme/customercare/actions/runs/4242',
  repository: REPO,
  head_repository: REPO,
  ...overrides,
});

describe('notify.mjs', () => {
  let dir: string;
  let server: Server;
  let webhook: string;
  let posted: Posted[];
  let answer: { status: number; body: string };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'notify-'));
    posted = [];
    answer = { status: 200, body: 'ok' };
    // Slack's incoming webhook: POST JSON, answers 200 "ok" (or an error status with a short reason).
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posted.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  });
  afterEach(async () => {
    await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  const gates = (path: string, results: unknown[]) => {
    const file = join(dir, 'reports', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results));
  };
  const notify = (workflowRun: unknown, env: Record<string, string> = { SLACK_WEBHOOK_URL: webhook }) => {
    const event = join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'completed', workflow_run: workflowRun }));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    return new Promise<{ code: number; stdout: string; stderr: string; summary: string }>((done) => {
      execFile(
        process.execPath,
        [SCRIPT, '--reports', join(dir, 'reports')],
        // Only what notify.yml gives the script: the event file, the summary file and the secret.
        { env: { PATH: process.env.PATH ?? '', GITHUB_EVENT_PATH: event, GITHUB_STEP_SUMMARY: summary, ...env } },
        (error, stdout, stderr) =>
          done({ code: error ? Number(error.code) : 0, stdout, stderr, summary: readFileSync(summary, 'utf8') }),
      );
    });
  };

  it('posts a failure of CI on main with the link and the gates table, as Slack incoming-webhook JSON', async () => {
    gates('apps/backend/test/gate-results.json', [
      {
        project: 'backend',
        gate: 'coverage',
        measured: 91.5,
        threshold: 80,
        passed: true,
        report: 'reports/apps/backend/test/coverage.xml',
      },
    ]);
    gates('apps/backend/scan/gate-results.json', [
      {
        project: 'backend',
        gate: 'security-grade',
        measured: 'D',
        threshold: 'A',
        passed: false,
        report: 'reports/apps/backend/scan/scan.md',
      },
    ]);
    const result = await notify(run({}));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(posted).toHaveLength(1);
    const [{ path, contentType, body }] = posted;
    expect(path).toBe('/services/T000/B000/XXXX');
    expect(contentType).toBe('application/json');
    expect(body.text).toBe('CI failed on main (0123456): https://github.com/acme/customercare/actions/runs/4242');
    expect(body.blocks.map((block) => [block.type, block.text.type])).toEqual([
      ['section', 'mrkdwn'],
      ['section', 'mrkdwn'],
    ]);
    expect(body.blocks[0].text.text).toBe(
      ':red_circle: *CI failed on main* at `0123456`: fix(backend): a change\n' +
        '<https://github.com/acme/customercare/actions/runs/4242|CI run #17>',
    );
    const table = body.blocks[1].text.text;
    expect(table).toMatch(
      /^\*Quality gates:\* 1\/2 passed\n```\nProject\s+Gate\s+Measured\s+Threshold\s+Result\s+Report\n/,
    );
    expect(table).toMatch(/backend\s+security-grade\s+D\s+A\s+FAIL\s+reports\/apps\/backend\/scan\/scan\.md/);
    expect(table).toMatch(/backend\s+coverage\s+91\.5\s+80\s+pass/);
    expect(result.summary).toContain('notify: posted to Slack: CI failed on main');
  });

  it('says there is no table when the failed run uploaded no gate results', async () => {
    const result = await notify(run({ conclusion: 'timed_out' }));
    expect(result.code).toBe(0);
    expect(posted[0].body.blocks[1].text.text).toBe('No gates table: the run uploaded no gate results.');
  });

  it('cuts a long gates table to Slack’s 3000-character section and points at the run', async () => {
    gates(
      'many/gate-results.json',
      Array.from({ length: 120 }, (_, i) => ({
        project: `project-${i}`,
        gate: 'coverage',
        measured: 50,
        threshold: 80,
        passed: false,
        report: `reports/libs/project-${i}/test/coverage.xml`,
      })),
    );
    await notify(run({}));
    const table = posted[0].body.blocks[1].text.text;
    expect(table.length).toBeLessThanOrEqual(3000);
    expect(table).toMatch(
      /```\n… \d+ more rows in <https:\/\/github\.com\/acme\/customercare\/actions\/runs\/4242\|the run's summary>$/,
    );
  });

  it.each([
    ['deploy production v1.4.0', 'success', 'Deploy of v1.4.0 to production succeeded', ':large_green_circle:'],
    ['deploy production v1.4.0', 'failure', 'Deploy of v1.4.0 to production FAILED', ':red_circle:'],
    ['rollback production v1.3.2', 'success', 'Rollback of v1.3.2 to production succeeded', ':large_green_circle:'],
    ['rollback production ', 'cancelled', 'Rollback of 0123456 to production was cancelled', ':red_circle:'],
  ])('posts every production deploy or rollback: %s, %s', async (title, conclusion, text, icon) => {
    const event = title.startsWith('deploy') ? 'push' : 'workflow_dispatch';
    const result = await notify(run({ name: 'CD', display_title: title, conclusion, event, head_branch: 'v1.4.0' }));
    expect(result.code).toBe(0);
    expect(posted).toHaveLength(1);
    expect(posted[0].body.text).toBe(`${text}: https://github.com/acme/customercare/actions/runs/4242`);
    expect(posted[0].body.blocks).toHaveLength(1);
    expect(posted[0].body.blocks[0].text.text.startsWith(`${icon} *${text.split(' ')[0]} of `)).toBe(true);
  });

  it.each([
    ['CI passing on main', run({ conclusion: 'success' })],
    ['CI failing on a branch', run({ head_branch: 'feature/x' })],
    [
      'a pull request from a fork’s main',
      run({ event: 'pull_request', head_repository: { full_name: 'evil/customercare' } }),
    ],
    [
      'a staging deploy that succeeded',
      run({ name: 'CD', display_title: 'deploy staging 0123456', conclusion: 'success' }),
    ],
  ])('posts nothing for %s', async (_, workflowRun) => {
    const result = await notify(workflowRun);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/needs no message/);
    expect(posted).toEqual([]);
  });

  it('posts a staging deploy that failed on main (a failure of main)', async () => {
    await notify(run({ name: 'CD', display_title: 'deploy staging 0123456' }));
    expect(posted[0].body.text).toMatch(/^CD failed on main/);
  });

  it('skips with a clear message, and succeeds, when the SLACK_WEBHOOK_URL secret is missing', async () => {
    const result = await notify(run({}), {});
    expect(result.code).toBe(0);
    const skip =
      'notify: skipped, SLACK_WEBHOOK_URL is not set. Add a Slack incoming-webhook URL as the repository secret ' +
      'SLACK_WEBHOOK_URL (Settings > Secrets and variables > Actions) to get these messages.';
    expect(result.stdout.trim()).toBe(skip);
    expect(result.summary.trim()).toBe(skip);
    expect(posted).toEqual([]);
  });

  it('fails with Slack’s reason when the webhook refuses the message', async () => {
    answer = { status: 404, body: 'no_service' };
    const result = await notify(run({}));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('notify: Slack refused the message: HTTP 404 no_service.');
  });

  it('fails with a clear error when Slack cannot be reached, and when the event is not a workflow_run', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    const unreachable = await notify(run({}), { SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('notify: could not reach the Slack webhook: ECONNREFUSED');
    writeFileSync(join(dir, 'push.json'), JSON.stringify({ ref: 'refs/heads/main' }));
    const wrong = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [SCRIPT, '--event', join(dir, 'push.json')], (error, _out, stderr) =>
        done({ code: error ? Number(error.code) : 0, stderr }),
      ),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('it has no workflow_run (is this a workflow_run event?)');
  });
});

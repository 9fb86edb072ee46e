#!/usr/bin/env node
// Puts the gates table (gates-summary.mjs) and why each project is affected (why-affected.mjs) on
// the pull request as ONE comment, edited in place on every push: the comment is found again by a
// hidden marker and PATCHed; only when there is none is one POSTed.
//
//   GITHUB_TOKEN=... node tools/scripts/pr-comment.mjs [--reports reports] [--why reports/why-affected.md] [--pr <n>] [--dry-run]
//
// On Actions it reads the repository, the run and the pull request number from the environment
// (GITHUB_REPOSITORY, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_EVENT_PATH); the token needs
// "pull-requests: write". GITHUB_API_URL points at GitHub Enterprise (or a test server).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable, readGateResults } from './gates-summary.mjs';
import { githubClient, repositoryOf } from './github-api.mjs';

export const MARKER = '<!-- customercare:quality-gates -->';

/** The comment's Markdown. Pure: what it shows comes from the arguments only. */
export function commentBody({ results, problems = [], why, runUrl, artifact, sha }) {
  const failed = results.filter((r) => !r.passed);
  const headline = results.length
    ? `## Quality gates: ${failed.length ? `❌ ${failed.length} failed` : '✅ all passed'} (${results.length - failed.length}/${results.length})`
    : '## Quality gates: ❌ no gate results (the gates did not run: see the run)';
  const links = runUrl
    ? [
        `Reports: [\`${artifact}\` artifact](${runUrl}#artifacts) · [run and job summary](${runUrl})${sha ? ` · commit ${sha.slice(0, 7)}` : ''}`,
        '',
      ]
    : [];
  return [
    MARKER,
    headline,
    '',
    ...links,
    ...(results.length ? [markdownTable(results), ''] : []),
    ...(failed.length
      ? [
          '### Why they failed',
          '',
          ...failed.map((r) => `- ${r.project} ${r.gate}: ${r.reason ?? 'failed'} (\`${r.report}\`)`),
          '',
        ]
      : []),
    ...(problems.length ? ['### Unreadable gate results', '', ...problems.map((p) => `- ${p}`), ''] : []),
    '<details><summary>Why these projects are affected</summary>',
    '',
    '```',
    (why ?? 'why-affected.mjs wrote nothing for this run').trim(),
    '```',
    '',
    '</details>',
    '',
  ].join('\n');
}

/** Edits the pull request's gates comment (found by MARKER) or creates it. Returns what it did. */
export async function upsertComment({ github, repo, pr, body }) {
  const comments = await github.list(`/repos/${repo}/issues/${pr}/comments?per_page=100`);
  const previous = comments.find((c) => typeof c.body === 'string' && c.body.includes(MARKER));
  if (previous) {
    const { data } = await github.request('PATCH', `/repos/${repo}/issues/comments/${previous.id}`, { body });
    return { action: 'updated', id: data.id, url: data.html_url };
  }
  const { data } = await github.request('POST', `/repos/${repo}/issues/${pr}/comments`, { body });
  return { action: 'created', id: data.id, url: data.html_url };
}

function pullRequestNumber(explicit, env) {
  if (explicit) return Number(explicit);
  if (env.GITHUB_EVENT_PATH && existsSync(env.GITHUB_EVENT_PATH)) {
    const number = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')).pull_request?.number;
    if (number) return number;
  }
  throw new Error('No pull request number: run on a pull_request event (GITHUB_EVENT_PATH) or pass --pr <number>.');
}

export async function main(argv = process.argv.slice(2), env = process.env, out = console) {
  const { values } = parseArgs({
    args: argv,
    options: {
      reports: { type: 'string', default: 'reports' },
      why: { type: 'string', default: 'reports/why-affected.md' },
      pr: { type: 'string' },
      repo: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const { results, problems } = readGateResults(resolve(values.reports));
  const runUrl = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
  const body = commentBody({
    results,
    problems,
    why: existsSync(values.why) ? readFileSync(values.why, 'utf8') : undefined,
    runUrl,
    artifact: `reports-${env.GITHUB_RUN_ID}`,
    sha: env.PR_HEAD_SHA,
  });
  if (values['dry-run']) {
    out.log(body);
    return 0;
  }
  const token = env.GITHUB_TOKEN;
  if (!token)
    throw new Error(
      'No token: set GITHUB_TOKEN (on Actions: secrets.GITHUB_TOKEN with pull-requests: write), or pass --dry-run.',
    );
  const repo = repositoryOf(values.repo ?? env.GITHUB_REPOSITORY);
  const pr = pullRequestNumber(values.pr, env);
  const done = await upsertComment({ github: githubClient({ apiUrl: env.GITHUB_API_URL, token }), repo, pr, body });
  out.log(`pr-comment: ${done.action} the gates comment on ${repo}#${pr}${done.url ? `: ${done.url}` : ''}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`pr-comment: ${error.message}`);
      process.exitCode = 1;
    },
  );
}

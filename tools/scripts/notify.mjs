#!/usr/bin/env node
// Posts a short Slack message about a finished CI or CD run: CI or CD failing on main, and every
// production deploy or rollback (whatever its outcome). Run by .github/workflows/notify.yml on
// `workflow_run`; reads the run from the event file GitHub writes (GITHUB_EVENT_PATH), the gates
// table from the run's reports (gate-results.json files, as gates-summary.mjs reads them), and the
// Slack incoming-webhook URL from the secret SLACK_WEBHOOK_URL.
//
//   node tools/scripts/notify.mjs [--reports <dir>] [--event <workflow_run event JSON>]
//
// Exit codes: 0 when the message was posted, when the run needs no message, or when
// SLACK_WEBHOOK_URL is unset (a repository without the secret skips with a message saying how to
// add it); 1 when Slack refused the message or could not be reached; 2 when the event is unreadable.
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGateResults, textTable } from './gates-summary.mjs';

/** Slack's limit for the text of one section block. */
const SECTION_LIMIT = 3000;
const DEPLOY_TITLE = /^(deploy|rollback) (production|staging)\b\s*(\S*)/;
const FAILED = new Set(['failure', 'timed_out', 'startup_failure']);

/**
 * What the run is, for the message; null when it needs none. CD's run-name (cd.yml) is
 * "<deploy|rollback> <environment> <release>", which GitHub hands on as `display_title`.
 */
export function classify(run) {
  const sameRepository = run.head_repository?.full_name === run.repository?.full_name;
  const deploy = run.name === 'CD' ? DEPLOY_TITLE.exec(run.display_title ?? '') : null;
  if (deploy && deploy[2] === 'production' && sameRepository) {
    return { kind: deploy[1], environment: 'production', release: deploy[3] || run.head_sha?.slice(0, 7) };
  }
  // Only pushes to main in this repository: a fork's pull request from its own `main` has
  // head_branch "main" too.
  if (FAILED.has(run.conclusion) && run.head_branch === 'main' && run.event === 'push' && sameRepository) {
    return { kind: 'main-failure' };
  }
  return null;
}

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function outcome(conclusion) {
  if (conclusion === 'success') return 'succeeded';
  if (conclusion === 'cancelled') return 'was cancelled';
  return conclusion === 'failure' ? 'FAILED' : `ended: ${conclusion}`;
}

/** The gates table as a code block, cut to Slack's section limit with a pointer to the rest. */
function gatesBlock(results, problems, runUrl) {
  if (results.length === 0) {
    const why = problems.length ? problems.join('; ') : 'the run uploaded no gate results';
    return `No gates table: ${escape(why)}.`;
  }
  const failed = results.filter((r) => !r.passed).length;
  const heading = `*Quality gates:* ${results.length - failed}/${results.length} passed`;
  const lines = textTable(results).split('\n');
  const fits = (count) => heading.length + lines.slice(0, count).join('\n').length + 200 < SECTION_LIMIT;
  let shown = lines.length;
  while (shown > 2 && !fits(shown)) shown -= 1;
  const more = lines.length - shown;
  const table = lines.slice(0, shown).join('\n');
  const tail = more ? `\n… ${more} more rows in <${runUrl}|the run's summary>` : '';
  return `${heading}\n\`\`\`\n${escape(table)}\n\`\`\`${tail}`;
}

/** Slack's incoming-webhook JSON: `text` (notifications, fallback) and `blocks` (the message). */
export function message(run, what, gates) {
  const link = `<${run.html_url}|${escape(run.name)} run #${run.run_number ?? run.id}>`;
  const commit = run.head_sha ? ` at \`${run.head_sha.slice(0, 7)}\`` : '';
  let text;
  let summary;
  if (what.kind === 'main-failure') {
    text = `${run.name} failed on main${commit ? ` (${run.head_sha.slice(0, 7)})` : ''}: ${run.html_url}`;
    summary = `:red_circle: *${escape(run.name)} failed on main*${commit}: ${escape(run.display_title ?? '')}\n${link}`;
  } else {
    const verb = what.kind === 'rollback' ? 'Rollback' : 'Deploy';
    const icon = run.conclusion === 'success' ? ':large_green_circle:' : ':red_circle:';
    text = `${verb} of ${what.release} to production ${outcome(run.conclusion)}: ${run.html_url}`;
    summary = `${icon} *${verb} of \`${escape(what.release)}\` to production ${outcome(run.conclusion)}*\n${link}`;
  }
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: summary } }];
  if (gates) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: gates } });
  return { text, blocks };
}

function summaryLine(env, line) {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${line}\n`);
}

export async function main(argv = process.argv.slice(2), env = process.env, out = console) {
  const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const eventPath = option('--event', env.GITHUB_EVENT_PATH);
  let run;
  try {
    run = JSON.parse(readFileSync(eventPath ?? '', 'utf8')).workflow_run;
    if (!run) throw new Error('it has no workflow_run (is this a workflow_run event?)');
  } catch (error) {
    out.error(
      `notify: cannot read the workflow_run event from ${eventPath || '(GITHUB_EVENT_PATH unset)'}: ${error.message}. ` +
        'Run it from a workflow triggered by `workflow_run`, or pass --event <file>.',
    );
    return 2;
  }
  const what = classify(run);
  if (!what) {
    out.log(`notify: ${run.name} on ${run.head_branch} (${run.event}, ${run.conclusion}) needs no message.`);
    return 0;
  }
  const webhook = env.SLACK_WEBHOOK_URL ?? '';
  if (!webhook) {
    const skip =
      'notify: skipped, SLACK_WEBHOOK_URL is not set. Add a Slack incoming-webhook URL as the repository secret ' +
      'SLACK_WEBHOOK_URL (Settings > Secrets and variables > Actions) to get these messages.';
    out.log(skip);
    summaryLine(env, skip);
    return 0;
  }
  const { results, problems } = readGateResults(resolve(option('--reports', 'reports')));
  const gates = what.kind === 'main-failure' ? gatesBlock(results, problems, run.html_url) : null;
  const payload = message(run, what, gates);
  let response;
  try {
    response = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(15000),
    });
  } catch (error) {
    out.error(
      `notify: could not reach the Slack webhook: ${error.cause?.code ?? error.cause?.message ?? error.message}. Check SLACK_WEBHOOK_URL.`,
    );
    return 1;
  }
  if (!response.ok) {
    // Slack answers with a short reason (invalid_payload, no_service, channel_is_archived...).
    const reason = (await response.text()).slice(0, 200);
    out.error(
      `notify: Slack refused the message: HTTP ${response.status} ${reason}. ` +
        'A 404 no_service or 403 means the webhook was revoked: create a new one and update SLACK_WEBHOOK_URL.',
    );
    return 1;
  }
  out.log(`notify: posted to Slack: ${payload.text}`);
  summaryLine(env, `notify: posted to Slack: ${payload.text}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}

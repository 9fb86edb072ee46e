// The quarantine list (ci/quarantine.yaml): known-flaky tasks whose failure does not block CI until
// a date. A quarantined task still runs, and its failure is reported (gates table, step summary) as
// "quarantined"; it is never hidden. Like security/suppressions.yaml, every entry needs a reason and
// an expiry, and an expired entry is an error: fix the task or renew the entry with a new reason.
import { readFileSync, existsSync } from 'node:fs';
import { parse } from 'yaml';

export const QUARANTINE_FILE = 'ci/quarantine.yaml';

const TASK = /^[^:\s]+:[^\s]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks the parsed file ({ quarantine: [{ task, reason, expires }] }) against `today` (YYYY-MM-DD).
 * Returns { entries, problems }: problems name the entry and the fix; an expired entry is one.
 */
export function checkQuarantine(data, today, file = QUARANTINE_FILE) {
  const problems = [];
  const list = data?.quarantine;
  if (!Array.isArray(list)) {
    return {
      entries: [],
      problems: [`${file}: expected a "quarantine:" list (use "quarantine: []" when nothing is quarantined)`],
    };
  }
  const entries = [];
  for (const [index, entry] of list.entries()) {
    const where = `${file}: quarantine[${index}]`;
    if (typeof entry?.task !== 'string' || !TASK.test(entry.task)) {
      problems.push(`${where}: "task" must be a task id, project:target (e.g. frontend-e2e:e2e-ci--src/chat.spec.ts)`);
      continue;
    }
    if (typeof entry.reason !== 'string' || entry.reason.trim().length < 10) {
      problems.push(`${where} (${entry.task}): "reason" must say why in 10+ characters (the issue or the failure)`);
      continue;
    }
    const expires = String(entry.expires ?? '');
    const date = new Date(`${expires}T00:00:00Z`);
    if (!DATE.test(expires) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== expires) {
      problems.push(`${where} (${entry.task}): "expires" must be a real date, YYYY-MM-DD (got "${expires}")`);
      continue;
    }
    if (expires < today) {
      problems.push(
        `${where} (${entry.task}): expired on ${expires}. Fix the flaky task and remove the entry, or renew it with a new reason and date.`,
      );
      continue;
    }
    entries.push({ task: entry.task, reason: entry.reason.trim(), expires });
  }
  return { entries, problems };
}

/** Reads and checks the quarantine file; a missing file is an empty list. */
export function readQuarantine(file = QUARANTINE_FILE, today = new Date().toISOString().slice(0, 10)) {
  if (!existsSync(file)) return { entries: [], problems: [] };
  return checkQuarantine(parse(readFileSync(file, 'utf8')), today, file);
}

#!/usr/bin/env node
// The pipeline's gates table: reads every gate-results.json under reports/ (each executor writes
// one beside its report), prints one table (project, gate, measured, threshold, result, report),
// appends the same table as Markdown to $GITHUB_STEP_SUMMARY when set, and exits 1 when any gate
// failed (2 when there are no results at all: a pipeline that measured nothing did not pass).
//
//   node tools/scripts/gates-summary.mjs [--reports <dir>]
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS_FILE = 'gate-results.json';
const FIELDS = ['project', 'gate', 'threshold', 'passed', 'report'];

/** Every gate-results.json under `reportsDir`, parsed and checked; problems name the file. */
export function readGateResults(reportsDir) {
  if (!existsSync(reportsDir)) return { results: [], problems: [] };
  const files = readdirSync(reportsDir, { recursive: true })
    .map(String)
    .filter((file) => file === RESULTS_FILE || file.endsWith(`/${RESULTS_FILE}`))
    .sort();
  const results = [];
  const problems = [];
  for (const file of files) {
    const path = join(reportsDir, file);
    let data;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      problems.push(`${path}: not valid JSON (${error.message})`);
      continue;
    }
    if (!Array.isArray(data)) {
      problems.push(`${path}: expected an array of gate results`);
      continue;
    }
    for (const [index, result] of data.entries()) {
      const missing = FIELDS.filter((field) => result?.[field] === undefined);
      if (missing.length) problems.push(`${path}[${index}]: missing ${missing.join(', ')}`);
      else results.push(result);
    }
  }
  results.sort((a, b) => a.project.localeCompare(b.project) || a.gate.localeCompare(b.gate));
  return { results, problems };
}

const cell = (value) => (value === null || value === undefined ? 'not measured' : String(value));

export function rows(results) {
  return results.map((r) => [
    r.project,
    r.gate,
    cell(r.measured),
    cell(r.threshold),
    r.passed ? 'pass' : 'FAIL',
    r.report,
  ]);
}

const HEADERS = ['Project', 'Gate', 'Measured', 'Threshold', 'Result', 'Report'];

export function textTable(results) {
  const body = rows(results);
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function markdownTable(results) {
  const esc = (value) => String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const line = (cells) => `| ${cells.map(esc).join(' | ')} |`;
  const body = rows(results).map((row) => {
    const copy = [...row];
    copy[4] = row[4] === 'pass' ? '✅ pass' : '❌ FAIL';
    copy[5] = `\`${row[5]}\``;
    return copy;
  });
  return [line(HEADERS), line(HEADERS.map(() => '---')), ...body.map(line)].join('\n');
}

function failureLines(results) {
  return results.filter((r) => !r.passed).map((r) => `${r.project} ${r.gate}: ${r.reason ?? 'failed'} (${r.report})`);
}

export function main(argv = process.argv.slice(2), env = process.env, out = console) {
  const at = argv.indexOf('--reports');
  const reportsDir = resolve(at >= 0 ? argv[at + 1] : 'reports');
  const { results, problems } = readGateResults(reportsDir);
  for (const problem of problems) out.error(`gates-summary: ${problem}`);
  if (results.length === 0) {
    out.error(
      `gates-summary: no gate results under ${relative(process.cwd(), reportsDir) || '.'}/ (no ${RESULTS_FILE} files). ` +
        'Run the gate targets first: `npm run pipeline`, or `nx run-many -t lint test scan perf`.',
    );
    return 2;
  }
  const failures = failureLines(results);
  out.log(`\nQuality gates (${results.length - failures.length}/${results.length} passed)\n`);
  out.log(textTable(results));
  if (failures.length) out.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  if (env.GITHUB_STEP_SUMMARY) {
    const markdown = [
      `## Quality gates: ${failures.length ? `${failures.length} failed` : 'all passed'} (${results.length - failures.length}/${results.length})`,
      '',
      markdownTable(results),
      '',
      ...(failures.length ? ['### Why', '', ...failures.map((f) => `- ${f}`), ''] : []),
    ].join('\n');
    appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  }
  return failures.length || problems.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}

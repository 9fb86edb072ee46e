// Measures the widget bundle as customers download it (gzip, level 9) and fails above the budget.
// Writes bundle-size.json (raw, gzip and brotli sizes) and a GateResult (gate "bundle-size") beside it,
// in the format of tools/plugins/core/src/reports/gate-results.ts, where the pipeline summary reads it.
//
//   node scripts/bundle-size.mjs --file dist/widget/widget.js --max-gzip-kb 40 --reports-directory <dir>
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    'max-gzip-kb': { type: 'string' },
    'reports-directory': { type: 'string' },
    project: { type: 'string', default: 'frontend' },
  },
});
const fail = (message) => {
  console.error(`bundle-size: ${message}`);
  process.exit(1);
};
if (!values.file || !values['max-gzip-kb'] || !values['reports-directory']) {
  fail('usage: bundle-size.mjs --file <bundle> --max-gzip-kb <KB> --reports-directory <dir>');
}
const budgetKb = Number(values['max-gzip-kb']);
if (!Number.isFinite(budgetKb) || budgetKb <= 0)
  fail(`--max-gzip-kb must be a positive number of KB, got "${values['max-gzip-kb']}".`);

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const file = resolve(values.file);
// Nx hands {workspaceRoot}/... over as a workspace-relative path, so that is what this resolves against.
const reports = resolve(workspaceRoot, values['reports-directory']);
const rel = (path) => relative(workspaceRoot, path);
if (!existsSync(file)) fail(`${rel(file)} does not exist. Build it first: \`npx nx run frontend:build-widget\`.`);

const bytes = readFileSync(file);
const sizes = {
  file: rel(file),
  rawBytes: bytes.length,
  gzipBytes: gzipSync(bytes, { level: 9 }).length,
  brotliBytes: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  budgetGzipBytes: Math.round(budgetKb * 1024),
};
const kb = (n) => Math.round((n / 1024) * 100) / 100;
const passed = sizes.gzipBytes <= sizes.budgetGzipBytes;

mkdirSync(reports, { recursive: true });
const report = join(reports, 'bundle-size.json');
writeFileSync(report, `${JSON.stringify(sizes, null, 2)}\n`);
const result = {
  project: values.project,
  gate: 'bundle-size',
  measured: kb(sizes.gzipBytes),
  threshold: budgetKb,
  passed,
  report: rel(report),
  ...(!passed && {
    reason: `${sizes.file} is ${kb(sizes.gzipBytes)} KB gzipped, over the ${budgetKb} KB budget: find what grew with \`npx vite-bundle-visualizer\` or drop a dependency; the budget is the bundle-size target's maxGzipKb`,
  }),
};
writeFileSync(join(reports, 'gate-results.json'), `${JSON.stringify([result], null, 2)}\n`);
const line = `${passed ? 'PASS' : 'FAIL'} ${result.project} bundle-size ${result.measured} KB gzip (threshold ${budgetKb} KB) -> ${result.report}`;
console.log(
  `${line}${result.reason ? `: ${result.reason}` : ''}\n  raw ${kb(sizes.rawBytes)} KB, brotli ${kb(sizes.brotliBytes)} KB`,
);
if (!passed) process.exit(1);

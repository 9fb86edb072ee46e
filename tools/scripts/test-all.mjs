// `npm test`: every test of the workspace (Python, TypeScript, each plugin's unit and integration targets, end-to-end),
// through Nx so that cached results are reused, then one summary counted from the JUnit reports.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { formatSummary, summarizeReports } from './junit-summary.mjs';
import { nxCommand } from './workspace-tools.mjs';

// check-workflows and check-docs are never cached: they read the whole project graph. rehearse
// (scripts:rehearse, the CD chain on loopback) is never cached either: it pushes and deploys.
const targets = process.env.TEST_TARGETS ?? 'test,integration,e2e,check-workflows,check-docs,rehearse';
const nxArgs = ['run-many', '-t', ...targets.split(','), '--parallel=2', ...process.argv.slice(2)];

// Stale reports would be counted again: Nx restores the reports of cached tasks from its cache.
rmSync('reports', { recursive: true, force: true });
console.log(`[test] nx ${nxArgs.join(' ')}`);
const [command, args] = nxCommand(nxArgs);
const run = spawnSync(command, args, { stdio: 'inherit', env: { NX_DAEMON: 'false', ...process.env } });
if (run.error) {
  console.error(`[test] could not start nx: ${run.error.message}. Run \`npm run setup\` first.`);
  process.exit(1);
}

const { text, total } = formatSummary(summarizeReports());
console.log(`\n${text}\n`);
if (run.status !== 0) {
  console.error(`[test] nx run-many exited with ${run.status}: see the failed tasks above.`);
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(run.status !== 0 || total.failed > 0 ? 1 : 0);

// `npm run pipeline`: the whole CI pipeline, locally. On a branch with changes against the merge
// base with main, only the affected projects run (`nx affected`); otherwise every project does
// (`nx run-many`). Then one gates table for every project and gate.
//
//   npm run pipeline                      # lint, test, scan, perf, bundle-size, monitoring over what changed (or everything)
//   npm run pipeline -- --all             # everything, whatever changed
//   npm run pipeline -- --targets=lint,test
//   npm run pipeline -- --base=origin/main
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runWithRemoteCache } from './remote-cache.mjs';
import { nxCommand, toolPath } from './workspace-tools.mjs';

const DEFAULT_TARGETS = 'lint,test,scan,perf,bundle-size,monitoring';

const { values: options } = parseArgs({
  options: {
    all: { type: 'boolean', default: false },
    targets: { type: 'string', default: process.env.PIPELINE_TARGETS ?? DEFAULT_TARGETS },
    base: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (options.help) {
  console.log(
    'usage: npm run pipeline -- [--all] [--targets=lint,test,scan,perf,bundle-size,monitoring] [--base=<git ref>]',
  );
  process.exit(0);
}

/** The merge base to compare against, or null when everything should run. */
function affectedBase() {
  if (options.all) return null;
  if (options.base) return options.base;
  const gitPath = toolPath('git');
  const git = (...args) => spawnSync(gitPath, args, { encoding: 'utf8' });
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD').stdout.trim();
  if (!branch || branch === 'HEAD' || branch === 'main') return null;
  const base = git('merge-base', 'HEAD', 'main');
  return base.status === 0 ? base.stdout.trim() : null;
}

const targets = options.targets
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean);
let base;
try {
  base = affectedBase();
} catch (error) {
  console.error(`[pipeline] ${error.message}`);
  process.exit(1);
}
// affected.mjs is `nx affected` plus uv.lock: it adds the projects a changed locked package reaches.
const affectedArgs = ['tools/scripts/affected.mjs', '-t', ...targets, `--base=${base}`, '--parallel=2'];
const runManyArgs = ['run-many', '-t', ...targets, '--parallel=2'];
const [command, args] = base ? [process.execPath, affectedArgs] : nxCommand(runManyArgs);

const env = { NX_DAEMON: 'false', ...process.env };

// Formatting first, as CI's plan job does: Nx's format:check runs the workspace's Prettier.
const formatArgs = targets.includes('lint') ? ['format:check', base ? `--base=${base}` : '--all'] : null;
let formatFailed = false;
if (formatArgs) {
  console.log(`[pipeline] nx ${formatArgs.join(' ')}`);
  const [formatCommand, formatCommandArgs] = nxCommand(formatArgs);
  formatFailed = spawnSync(formatCommand, formatCommandArgs, { stdio: 'inherit', env }).status !== 0;
  if (formatFailed) console.error('[pipeline] some files are not formatted: run `npx nx format:write`, then commit.');
}

// Each run's reports are its own: stale gate results would be summarised again. Nx restores the
// reports of cached tasks, so nothing is lost.
rmSync('reports', { recursive: true, force: true });
console.log(
  base
    ? `[pipeline] affected projects since ${base.slice(0, 12)}: ${targets.join(', ')}`
    : `[pipeline] every project: ${targets.join(', ')}`,
);
console.log(`[pipeline] ${base ? `node ${affectedArgs.join(' ')}` : `nx ${runManyArgs.join(' ')}`}`);
// A remote cache that is down before or during the run costs speed, never the run: see remote-cache.mjs.
const status = await runWithRemoteCache(command, args, {
  env,
  warn: (message) => console.warn(`[pipeline] warning: ${message}`),
});

console.log('\n[pipeline] quality gates');
const summary = spawnSync(process.execPath, ['tools/scripts/gates-summary.mjs'], { stdio: 'inherit', env });
const failed = formatFailed || status !== 0 || summary.status !== 0;
console.log(
  failed
    ? '[pipeline] FAILED: see the failed tasks and gates above.'
    : '[pipeline] passed: every task and gate is green.',
);
process.exit(failed ? 1 : 0);

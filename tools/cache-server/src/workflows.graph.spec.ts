import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { NX, WORKSPACE_ROOT } from './testing/nx-workspace';
import { nxTargetsIn, type NxTargetUse } from './testing/workflow-commands';

/**
 * The workflows against the whole project graph: every target and project an `nx` command in
 * .github/workflows names exists. This reads every project of the workspace, so it is its own
 * target (cache-server:check-workflows, never cached, run by `npm test` and by ci.yml on every
 * change) instead of part of `test`: as a cached test it would have to name every project file as
 * an input, and each new project would then make cache-server "affected".
 */
interface Step {
  name?: string;
  run?: string;
}
interface Workflow {
  jobs: Record<string, { steps?: Step[] }>;
}

const WORKFLOWS_DIR = join(WORKSPACE_ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const workflows = Object.fromEntries(
  files.map((file) => [file, parse(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')) as Workflow]),
);

describe('.github/workflows against the project graph', () => {
  it('only call targets and projects that exist in the workspace project graph', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-graph-'));
    const graphFile = join(dir, 'graph.json');
    execFileSync(process.execPath, [NX, 'graph', `--file=${graphFile}`], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'pipe',
    });
    const nodes = (
      JSON.parse(readFileSync(graphFile, 'utf8')) as {
        graph: { nodes: Record<string, { data: { targets?: Record<string, unknown> } }> };
      }
    ).graph.nodes;
    rmSync(dir, { recursive: true, force: true });
    const targetsByProject = new Map(
      Object.entries(nodes).map(([name, node]) => [name, new Set(Object.keys(node.data.targets ?? {}))]),
    );
    const everyTarget = new Set([...targetsByProject.values()].flatMap((targets) => [...targets]));

    const uses: NxTargetUse[] = files.flatMap((file) =>
      Object.entries(workflows[file].jobs).flatMap(([jobId, job]) =>
        (job.steps ?? [])
          .filter((step) => step.run)
          .flatMap((step) => nxTargetsIn(step.run as string, `${file} › ${jobId} › ${step.name ?? step.run}`)),
      ),
    );
    expect(uses.length).toBeGreaterThan(0);
    const missing = uses
      .filter(({ target, project }) =>
        project ? !targetsByProject.get(project)?.has(target) : !everyTarget.has(target),
      )
      .map(({ target, project, where }) => `${project ? `${project}:` : ''}${target} (${where})`);
    expect(missing).toEqual([]);
  });
});

import type { ExecutorContext } from '@nx/devkit';

/**
 * The ExecutorContext Nx passes an executor running `nx run <project>:<target>` in the workspace at
 * `root`, with that one project at `projectRoot`: every executor test builds its context here.
 */
export function executorContext(
  root: string,
  project: string,
  projectRoot: string,
  targetName?: string,
): ExecutorContext {
  return {
    root,
    cwd: root,
    isVerbose: false,
    projectName: project,
    ...(targetName ? { targetName } : {}),
    projectsConfigurations: { version: 2, projects: { [project]: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  };
}

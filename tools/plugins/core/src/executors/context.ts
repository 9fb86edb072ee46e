import type { ExecutorContext } from '@nx/devkit';

/** The project an executor runs for, with an error that says so when Nx did not name one. */
export function projectOf(context: ExecutorContext): { name: string; root: string } {
  const name = context.projectName;
  const project = name ? context.projectsConfigurations.projects[name] : undefined;
  if (!name || !project) {
    throw new Error('This executor runs for one project: call it as `nx run <project>:<target>`.');
  }
  return { name, root: project.root };
}

import { join } from 'node:path';
import type { ToolCommand } from '@customercare/nx-core';

/** The tag rules of nx-container's metadata support (docker/metadata-action syntax). */
export const DEFAULT_TAG_RULES = [
  'type=sha,prefix=sha-',
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
];

export interface BuildRequest {
  engine: 'podman' | 'docker';
  file: string;
  context: string;
  image: string;
  buildArgs: string[];
  tagRules: string[];
  labels: string[];
  noCache: boolean;
  quiet: boolean;
}

/** Options of `@nx-tools/nx-container:build`, as its schema names them. */
export function nxContainerOptions(request: BuildRequest): Record<string, unknown> {
  return {
    engine: request.engine,
    file: request.file,
    context: request.context,
    'build-args': request.buildArgs,
    // buildx keeps images in its builder unless told to load them into the daemon.
    load: request.engine === 'docker',
    push: false,
    pull: false,
    'no-cache': request.noCache,
    quiet: request.quiet,
    metadata: { images: [request.image], tags: request.tagRules, labels: request.labels },
  };
}

/** Where nx-container 7.3 writes what a build produced (it declares no outputs of its own). */
export function nxContainerOutputDir(workspaceRoot: string, project: string): string {
  return join(workspaceRoot, 'node_modules', '.cache', 'nx-container', project);
}

/**
 * nx-container runs in its own Node process: it is CommonJS over ESM packages (@nx-tools/core),
 * which Node 20.19+ loads but test runners with their own module system do not.
 */
export function nxContainerRunnerCommand(request: {
  workspaceRoot: string;
  project: string;
  projectRoot: string;
  options: Record<string, unknown>;
  env: Record<string, string>;
}): ToolCommand {
  return {
    label: 'nx-container build',
    command: process.execPath,
    args: [
      join(__dirname, 'nx-container-runner.cjs'),
      JSON.stringify({ project: request.project, projectRoot: request.projectRoot, options: request.options }),
    ],
    cwd: request.workspaceRoot,
    env: request.env,
  };
}

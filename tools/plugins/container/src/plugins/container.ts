import type { TargetConfiguration } from '@nx/devkit';
import { basename, dirname, join } from 'node:path';
import { parseContainerfileDirectives } from './containerfile';
import { inferFromConfigFiles, type InferenceKind } from '@customercare/nx-core/inference';
import type { PipelinePluginOptions } from '@customercare/nx-core/inference';
import { lockedPackagesOf } from '@customercare/nx-core/inference';

export interface ContainerTargetOptions {
  dockerTargetName: string;
  /** The project whose `base-image` target builds the local Debian bases, and the folder of its package lists. */
  baseImagesProject: string;
  baseImagesDirectory: string;
}

function containerOptions(options: PipelinePluginOptions): ContainerTargetOptions {
  return {
    dockerTargetName: options.dockerTargetName ?? 'docker',
    baseImagesProject: options.baseImagesProject ?? 'base-images',
    baseImagesDirectory: options.baseImagesDirectory ?? 'tools/base-images',
  };
}

/**
 * A `docker` target for every project with a Containerfile (or Dockerfile): build with
 * @nx-tools/nx-container, test the image, and push it with --configuration=ci.
 */
export const containerKind: InferenceKind = {
  name: 'container',
  sources: [__filename, join(__dirname, 'containerfile.ts')],
  glob: '**/{Containerfile,Dockerfile}',
  async createNodes(files, rawOptions, context) {
    const options = containerOptions(rawOptions);
    // A project with both files builds from its Containerfile.
    return inferFromConfigFiles(
      containerKind,
      ['Containerfile', 'Dockerfile'],
      options,
      files,
      rawOptions,
      context,
      (file, text, ctx) => {
        const packages = lockedPackagesOf(ctx.workspaceRoot, dirname(file));
        return { key: packages, targets: () => buildContainerTargets(file, text, options, packages) };
      },
    );
  },
};

/** `packages`: the project's locked PyPI packages (uv-lock.ts), which a Python image installs. */
export function buildContainerTargets(
  file: string,
  text: string,
  options: ContainerTargetOptions,
  packages: string[] = [],
): Record<string, TargetConfiguration> {
  const projectRoot = dirname(file);
  const directives = parseContainerfileDirectives(text, file);
  const pythonContext = directives.context === 'python';
  const bases = Object.values(directives.baseImages);
  const reportsDirectory = `reports/${projectRoot}/${options.dockerTargetName}`;
  const inputs: TargetConfiguration['inputs'] = [
    'production',
    '^production',
    ...bases.map((base) => `{workspaceRoot}/${options.baseImagesDirectory}/${base}.packages`),
    // The image scan checks the filesystem with the source scan's gitleaks rules.
    '{workspaceRoot}/security/gitleaks.toml',
    // With --configuration=ci a cached result vouches that this image went to this registry.
    { env: 'CONTAINER_REGISTRY' },
    // A Python image installs the project's locked packages: hashed as pypi: nodes (uv-lock.ts),
    // not as the bytes of uv.lock, which change whenever any member is added.
    { externalDependencies: ['@nx-tools/nx-container', ...(pythonContext ? packages : [])] },
    // Included files are other targets' outputs (git-ignored, so not in "production"): hashed as such.
    ...directives.include.map((file) => ({ dependentTasksOutputFiles: file.from })),
  ];
  const dependsOn: TargetConfiguration['dependsOn'] = [
    ...directives.dependsOn,
    ...(bases.length > 0 ? [{ projects: [options.baseImagesProject], target: 'base-image' }] : []),
  ];
  return {
    [options.dockerTargetName]: {
      executor: '@customercare/nx-container:docker',
      options: {
        engine: 'auto',
        file,
        context: pythonContext ? 'python' : directives.context ? `${projectRoot}/${directives.context}` : projectRoot,
        ...(bases.length > 0
          ? { baseImages: directives.baseImages, baseImagesDirectory: options.baseImagesDirectory }
          : {}),
        ...(directives.include.length > 0 ? { include: directives.include } : {}),
        test: directives.test,
        reportsDirectory,
      },
      configurations: { ci: { push: true } },
      cache: true,
      inputs,
      outputs: ['{options.reportsDirectory}'],
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      metadata: {
        technologies: ['docker', 'podman'],
        description: `Build the image from ${basename(file)} with nx-container, test and scan it (smoke, non-root, size, secrets with gitleaks, trivy where installed); --configuration=ci pushes it by digest`,
        help: {
          command: 'podman build --help',
          example: { options: { engine: 'podman', test: { maxSizeMb: 300 } } },
        },
      },
    },
  };
}

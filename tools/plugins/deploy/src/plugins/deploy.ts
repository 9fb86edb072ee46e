import type { TargetConfiguration } from '@nx/devkit';
import { join } from 'node:path';
import { readDeployConfig } from '../executors/deploy/config';
import { inferFromConfigFiles, type InferenceKind } from '@customercare/nx-core/inference';
import type { PipelinePluginOptions } from '@customercare/nx-core/inference';

export interface DeployTargetOptions {
  deployTargetName: string;
  rollbackTargetName: string;
}

function deployOptions(options: PipelinePluginOptions): DeployTargetOptions {
  return {
    deployTargetName: options.deployTargetName ?? 'deploy',
    rollbackTargetName: options.rollbackTargetName ?? 'rollback',
  };
}

/**
 * `deploy` and `rollback` targets for every project with a deploy config (deploy.yml, deploy.yaml
 * or deploy.json), one configuration per environment it defines. Never cached: a deploy changes
 * the world outside the workspace, so a cache hit would be a deploy that did not happen.
 */
export const deployKind: InferenceKind = {
  name: 'deploy',
  sources: [
    __filename,
    join(__dirname, '../executors/deploy/config.ts'),
    join(__dirname, '../executors/deploy/config-schema.json'),
  ],
  glob: '**/deploy.{yml,yaml,json}',
  async createNodes(files, rawOptions, context) {
    const options = deployOptions(rawOptions);
    // One config per project: deploy.yml wins over deploy.yaml over deploy.json.
    return inferFromConfigFiles(
      deployKind,
      ['deploy.yml', 'deploy.yaml', 'deploy.json'],
      options,
      files,
      rawOptions,
      context,
      (file, _text, ctx) => ({
        targets: () => {
          const environments = Object.entries(readDeployConfig(ctx.workspaceRoot, file).environments).map(
            ([name, env]) => ({ name, provider: env.provider }),
          );
          return buildDeployTargets(file, environments, options);
        },
      }),
    );
  },
};

export function buildDeployTargets(
  file: string,
  environments: ReadonlyArray<{ name: string; provider: string }>,
  options: DeployTargetOptions,
): Record<string, TargetConfiguration> {
  const configurations = (extra: Record<string, unknown> = {}) =>
    Object.fromEntries(environments.map((e) => [e.name, { environment: e.name, ...extra }]));
  const technologies = [...new Set(environments.map((e) => (e.provider === 'local' ? 'haproxy' : e.provider)))];
  const names = environments.map((e) => e.name).join(', ');
  return {
    [options.deployTargetName]: {
      executor: '@customercare/nx-deploy:deploy',
      options: { config: file },
      configurations: configurations(),
      cache: false,
      metadata: {
        technologies,
        description: `Deploy to ${names}: backup, candidate at 0 %, health and smoke checks, canary steps with analysis, promote; automatic rollback on any failure`,
        help: {
          command: `nx run <project>:${options.deployTargetName}:<environment> --release=<version> --dryRun`,
          example: { options: { environment: environments[0]?.name ?? 'staging', release: 'v1.2.3', dryRun: true } },
        },
      },
    },
    [options.rollbackTargetName]: {
      executor: '@customercare/nx-deploy:rollback',
      options: { config: file },
      configurations: configurations(),
      cache: false,
      metadata: {
        technologies,
        description: `Manual rollback of ${names} to an earlier release (default: the one before the current), then a health check`,
        help: {
          command: `nx run <project>:${options.rollbackTargetName}:<environment> [--to=<version>]`,
          example: { options: { environment: environments[0]?.name ?? 'staging', to: 'v1.2.2' } },
        },
      },
    },
  };
}

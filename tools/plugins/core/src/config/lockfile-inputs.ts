import type { TargetConfiguration } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lockedPackagesOf } from './uv-lock';

type Inputs = NonNullable<TargetConfiguration['inputs']>;

/** What pins a project's dependencies, as target inputs: its locked pypi: nodes, or package-lock.json. */
export function lockfileInputs(workspaceRoot: string, projectRoot: string): Inputs {
  const inputs: string[] = [];
  if (existsSync(join(workspaceRoot, projectRoot, 'pyproject.toml'))) {
    const packages = lockedPackagesOf(workspaceRoot, projectRoot);
    return packages.length > 0 ? [{ externalDependencies: packages }] : [];
  }
  if (existsSync(join(workspaceRoot, projectRoot, 'package.json'))) inputs.push('{workspaceRoot}/package-lock.json');
  return inputs.filter((input) => existsSync(join(workspaceRoot, input.replace('{workspaceRoot}/', ''))));
}

import { hashArray, type CreateNodesContextV2, type CreateNodesResult, type TargetConfiguration } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Minimatch } from 'minimatch';
import { inferEach, type InferenceCache, type InferenceKind } from '@customercare/nx-core/inference';
import { buildScanTarget } from './scan-target';

/** The npm workspace globs of the root package.json (`workspaces` as an array or as `{ packages }`). */
function workspaceGlobs(workspaceRoot: string): string[] {
  const path = join(workspaceRoot, 'package.json');
  if (!existsSync(path)) return [];
  const root = JSON.parse(readFileSync(path, 'utf8')) as { workspaces?: string[] | { packages?: string[] } };
  const workspaces = root.workspaces;
  return Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? []);
}

/**
 * A `scan` target on every npm-workspace project (apps/*, libs/*, tools/* with a package.json).
 * The project itself comes from Nx's own package.json inference; this kind only adds the target.
 * Skipped: the root package.json, folders outside the workspaces globs, and Python projects
 * (a pyproject.toml beside the package.json), whose scan comes from the python kind.
 */
export const packageJsonKind: InferenceKind = {
  name: 'package-json',
  sources: [__filename, join(__dirname, 'scan-target.ts')],
  glob: '**/package.json',
  async createNodes(files, options, context) {
    const globs = workspaceGlobs(context.workspaceRoot);
    const workspaces = globs.map((glob) => new Minimatch(glob));
    const scanTargetName = options.scanTargetName ?? 'scan';
    return inferEach<Record<string, TargetConfiguration>>(
      packageJsonKind,
      { scanTargetName },
      files.filter((file) => file !== 'package.json'),
      options,
      context,
      (file, ctx, cache) => createScanTarget(file, globs, workspaces, scanTargetName, ctx, cache),
    );
  },
};

function createScanTarget(
  file: string,
  globs: readonly string[],
  workspaces: readonly Minimatch[],
  scanTargetName: string,
  context: CreateNodesContextV2,
  cache: InferenceCache<Record<string, TargetConfiguration>>,
): CreateNodesResult {
  const projectRoot = dirname(file);
  if (!workspaces.some((workspace) => workspace.match(projectRoot))) return {};
  if (existsSync(join(context.workspaceRoot, projectRoot, 'pyproject.toml'))) return {};
  const hash = hashArray([readFileSync(join(context.workspaceRoot, file), 'utf8'), projectRoot, ...globs]);
  const targets = cache.get(hash, () => ({
    [scanTargetName]: buildScanTarget('npm', `reports/${projectRoot}/${scanTargetName}`, {
      dependencyInputs: ['{workspaceRoot}/package-lock.json'],
      tools: ['eslint', 'eslint-plugin-security'],
    }),
  }));
  return { projects: { [projectRoot]: { root: projectRoot, targets } } };
}

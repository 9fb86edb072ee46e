import {
  generateFiles,
  installPackagesTask,
  joinPathFragments,
  offsetFromRoot,
  readJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { minimatch } from 'minimatch';
import { sanitizeDescription } from '../common/description';
import { assertNameIsFree, GeneratorInputError, resolveProjectRoot, validateProjectName } from '../common/project-name';
import type { WebAppGeneratorSchema } from './schema';

/** Where the shared Vitest settings live: reports folder and the coverage gate from gates.json. */
const SHARED_TEST_CONFIG = 'vitest.shared.ts';

interface RootPackageJson {
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function assertInNpmWorkspace(projectRoot: string, root: RootPackageJson): void {
  const patterns = Array.isArray(root.workspaces) ? root.workspaces : (root.workspaces?.packages ?? []);
  if (!patterns.some((pattern) => minimatch(projectRoot, pattern.replace(/\/+$/, '')))) {
    throw new GeneratorInputError(
      `${projectRoot} is not inside an npm workspace (package.json "workspaces": ${JSON.stringify(patterns)}), so its ` +
        'dependencies would not install; nothing was written. Pass --directory under one of those folders.',
    );
  }
}

function title(name: string): string {
  return name
    .split('-')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}

/**
 * `nx g @customercare/nx-generators:web-app <name>`: a React + Vite + Vitest app laid out like
 * apps/frontend, with no hand-written targets: @nx/vite, @nx/vitest and @nx/eslint infer build,
 * test and lint from its files, and the pipeline plugin adds scan.
 */
export async function webAppGenerator(tree: Tree, options: WebAppGeneratorSchema): Promise<GeneratorCallback> {
  const projectName = validateProjectName(options.name);
  await assertNameIsFree(tree, projectName);
  const projectRoot = resolveProjectRoot(tree, projectName, options.directory, 'apps');
  if (!tree.exists('package.json')) {
    throw new GeneratorInputError(
      'The workspace has no root package.json; a web app needs npm workspaces. Run `npm init -y` and add "workspaces": ["apps/*"].',
    );
  }
  const rootPackage = readJson<RootPackageJson>(tree, 'package.json');
  assertInNpmWorkspace(projectRoot, rootPackage);
  if (!tree.exists(SHARED_TEST_CONFIG)) {
    throw new GeneratorInputError(
      `The workspace has no ${SHARED_TEST_CONFIG}: the generated app reads its reports folder and coverage gate from it; nothing was written. ` +
        'Restore it from git (it ships with the CustomerCareGPT workspace).',
    );
  }

  generateFiles(tree, joinPathFragments(__dirname, 'files'), projectRoot, {
    projectName,
    projectRoot,
    title: title(projectName),
    description: sanitizeDescription(options.description ?? 'A CustomerCareGPT web app.'),
    offset: offsetFromRoot(projectRoot),
    reactVersion: rootPackage.dependencies?.['react'] ?? rootPackage.devDependencies?.['react'] ?? '^19.2.0',
    tmpl: '',
  });
  // A new npm workspace package must be in package-lock.json, or `npm ci` refuses to install.
  return () => {
    if (!options.skipInstall) installPackagesTask(tree, true);
  };
}

export default webAppGenerator;

import { generateFiles, joinPathFragments, logger, type GeneratorCallback, type Tree } from '@nx/devkit';
import {
  assertNameIsFree,
  resolveProjectRoot,
  validateProjectName,
  validatePythonPackageName,
  type PythonProjectLocation,
} from '../common/project-name';
import { sanitizeDescription } from '../common/description';
import { uvLockTask } from '../common/uv-lock';
import { addRuffSourceRoot, addUvWorkspaceMember } from '../common/root-pyproject';
import type { PythonServiceGeneratorSchema } from './schema';

export async function normalizeServiceOptions(
  tree: Tree,
  options: PythonServiceGeneratorSchema,
): Promise<PythonProjectLocation> {
  const projectName = validateProjectName(options.name);
  await assertNameIsFree(tree, projectName);
  const projectRoot = resolveProjectRoot(tree, projectName, options.directory, 'apps');
  const packageName = await validatePythonPackageName(tree, projectName);
  return { projectName, projectRoot, packageName };
}

/**
 * `nx g @customercare/nx-generators:python-service <name>`: a FastAPI service laid out like
 * apps/backend. It has no project.json: the pipeline plugin infers every target from its
 * pyproject.toml and perf/*.yml, so the service gets new gates as the plugin learns them.
 */
export async function pythonServiceGenerator(
  tree: Tree,
  options: PythonServiceGeneratorSchema,
): Promise<GeneratorCallback> {
  const location = await normalizeServiceOptions(tree, options);
  generateFiles(tree, joinPathFragments(__dirname, 'files'), location.projectRoot, {
    ...location,
    description: sanitizeDescription(options.description ?? 'A CustomerCareGPT service.'),
    firstPartyImports,
    tmpl: '',
  });
  if (addUvWorkspaceMember(tree, location.projectRoot)) {
    logger.info(`Added ${location.projectRoot} to [tool.uv.workspace] members in pyproject.toml.`);
  }
  const ruffFile = addRuffSourceRoot(tree, `${location.projectRoot}/src`);
  if (ruffFile) logger.info(`Added ${location.projectRoot}/src to ruff's src list in ${ruffFile}.`);
  return uvLockTask(tree.root, location.projectRoot, options.skipLock);
}

/**
 * `from x import y` lines in the order ruff's isort wants them (by module name), so the generated
 * code passes lint whether the service's package sorts before or after service_kit.
 */
export function firstPartyImports(lines: string[]): string {
  const module = (line: string) => line.split(' ')[1].toLowerCase();
  return [...lines].sort((a, b) => (module(a) < module(b) ? -1 : module(a) > module(b) ? 1 : 0)).join('\n');
}

export default pythonServiceGenerator;

import { generateFiles, joinPathFragments, logger, type GeneratorCallback, type Tree } from '@nx/devkit';
import {
  assertNameIsFree,
  resolveProjectRoot,
  validateProjectName,
  validatePythonPackageName,
} from '../common/project-name';
import { sanitizeDescription } from '../common/description';
import { uvLockTask } from '../common/uv-lock';
import { addRuffSourceRoot, addUvWorkspaceMember } from '../common/root-pyproject';
import type { PythonLibGeneratorSchema } from './schema';

/**
 * `nx g @customercare/nx-generators:python-lib <name>`: a typed library laid out like
 * libs/service-kit, with every target inferred from its pyproject.toml.
 */
export async function pythonLibGenerator(tree: Tree, options: PythonLibGeneratorSchema): Promise<GeneratorCallback> {
  const projectName = validateProjectName(options.name);
  await assertNameIsFree(tree, projectName);
  const projectRoot = resolveProjectRoot(tree, projectName, options.directory, 'libs');
  const packageName = await validatePythonPackageName(tree, projectName);

  generateFiles(tree, joinPathFragments(__dirname, 'files'), projectRoot, {
    projectName,
    packageName,
    description: sanitizeDescription(options.description ?? 'Shared Python code for CustomerCareGPT services.'),
    tmpl: '',
  });
  if (addUvWorkspaceMember(tree, projectRoot)) {
    logger.info(`Added ${projectRoot} to [tool.uv.workspace] members in pyproject.toml.`);
  }
  const ruffFile = addRuffSourceRoot(tree, `${projectRoot}/src`);
  if (ruffFile) logger.info(`Added ${projectRoot}/src to ruff's src list in ${ruffFile}.`);
  return uvLockTask(tree.root, projectRoot, options.skipLock);
}

export default pythonLibGenerator;

import { getProjects, globAsync, normalizePath, type Tree } from '@nx/devkit';
import { parse } from 'smol-toml';
import reserved from './python-reserved-names.json';

/**
 * A generator refuses its input with this error before it writes anything, so a bad or taken
 * name never leaves a half-generated project or an overwritten file behind.
 */
export class GeneratorInputError extends Error {
  override name = 'GeneratorInputError';
}

/** kebab-case: lower-case letters and digits in dash-separated words, starting with a letter. */
function isKebabCase(name: string): boolean {
  return /^[a-z][a-z0-9-]*$/.test(name) && !name.endsWith('-') && !name.includes('--');
}
const MAX_NAME_LENGTH = 50;

export interface ProjectLocation {
  /** The Nx project name, also the npm or Python distribution name. */
  projectName: string;
  /** Where the project lives, relative to the workspace root. */
  projectRoot: string;
}

export interface PythonProjectLocation extends ProjectLocation {
  /** The import package under src/: the name with dashes as underscores. */
  packageName: string;
}

export function validateProjectName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new GeneratorInputError(
      'A project name is required, e.g. `nx g @customercare/nx-generators:python-service orders`.',
    );
  }
  if (!isKebabCase(name) || name.length > MAX_NAME_LENGTH) {
    throw new GeneratorInputError(
      `"${name}" is not a valid project name: use kebab-case (lower-case letters and digits in dash-separated words, ` +
        `starting with a letter, at most ${MAX_NAME_LENGTH} characters), e.g. "orders" or "billing-api".`,
    );
  }
  return name;
}

/**
 * The project's root: `--directory` as given (the way Nx's own generators read it since Nx 20),
 * or `<defaultParent>/<name>`. It must stay inside the workspace and must not exist yet.
 */
export function resolveProjectRoot(
  tree: Tree,
  name: string,
  directory: string | undefined,
  defaultParent: string,
): string {
  const raw = directory?.trim() ? directory.trim() : `${defaultParent}/${name}`;
  const root = normalizePath(raw).replace(/^\.\//, '').replace(/\/+$/, '');
  const parts = root.split('/');
  if (
    root === '' ||
    root === '.' ||
    root.startsWith('/') ||
    /^[A-Za-z]:/.test(root) ||
    parts.includes('..') ||
    parts.includes('.')
  ) {
    throw new GeneratorInputError(
      `--directory "${directory}" must be a folder inside the workspace, relative to its root (e.g. "apps/${name}" or "services/${name}").`,
    );
  }
  if (parts.some((part) => part === 'node_modules' || part.startsWith('.'))) {
    throw new GeneratorInputError(`--directory "${directory}" must not be inside node_modules or a hidden folder.`);
  }
  if (tree.exists(root) && (tree.isFile(root) || tree.children(root).length > 0)) {
    throw new GeneratorInputError(
      `${root} already exists and is not empty; nothing was written. Choose another name, or pass --directory with a new folder.`,
    );
  }
  return root;
}

/** Every project name the workspace already uses: project.json and package.json projects, and Python projects. */
export async function existingProjectNames(tree: Tree): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const [name, project] of getProjects(tree)) names.set(name, project.root);
  for (const { file, data } of await pythonProjects(tree)) {
    const project = data['project'] as Record<string, unknown> | undefined;
    if (typeof project?.['name'] === 'string') names.set(normalizeDistName(project['name']), dirOf(file));
  }
  return names;
}

export async function assertNameIsFree(tree: Tree, name: string): Promise<void> {
  const taken = (await existingProjectNames(tree)).get(normalizeDistName(name));
  if (taken !== undefined) {
    throw new GeneratorInputError(
      `A project named "${name}" already exists (at ${taken || 'the workspace root'}); nothing was written. ` +
        'Choose another name: Nx project names must be unique across the workspace.',
    );
  }
}

/**
 * The import package a new Python project would add to the one shared virtual environment. It must
 * not be a keyword, shadow the standard library, or collide with a package the workspace already
 * installs (a service called "redis" would replace the redis client for every project).
 */
export async function validatePythonPackageName(tree: Tree, name: string): Promise<string> {
  const packageName = name.replace(/-/g, '_');
  if (reserved.keywords.includes(packageName)) {
    throw new GeneratorInputError(
      `"${name}" is a Python keyword and cannot name an import package. Choose another name, e.g. "${name}-service".`,
    );
  }
  if (reserved.modules.includes(packageName)) {
    throw new GeneratorInputError(
      `"${name}" would import as "${packageName}", which shadows the Python standard library module of that name. ` +
        `Choose another name, e.g. "${name}-service".`,
    );
  }
  const installed = await installedImportNames(tree);
  const owner = installed.get(packageName);
  if (owner !== undefined) {
    throw new GeneratorInputError(
      `"${name}" would import as "${packageName}", which ${owner} already provides in the workspace's environment. ` +
        `Choose another name, e.g. "${name}-service".`,
    );
  }
  return packageName;
}

export function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Import names already taken: each Python project's package (its uv_build module-name or its
 * normalised name) and, approximately, each locked distribution's name with dashes as underscores.
 */
async function installedImportNames(tree: Tree): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const { file, data } of await pythonProjects(tree)) {
    const project = data['project'] as Record<string, unknown> | undefined;
    if (typeof project?.['name'] !== 'string') continue;
    const tool = data['tool'] as { uv?: { 'build-backend'?: { 'module-name'?: unknown } } } | undefined;
    const moduleName = tool?.uv?.['build-backend']?.['module-name'];
    const importName =
      typeof moduleName === 'string' ? moduleName : normalizeDistName(project['name']).replace(/-/g, '_');
    names.set(importName, `the project in ${dirOf(file)}`);
  }
  const lock = tree.read('uv.lock', 'utf-8');
  if (lock) {
    const packages = (parse(lock) as { package?: Array<{ name?: unknown }> }).package ?? [];
    for (const entry of packages) {
      if (typeof entry.name !== 'string') continue;
      const importName = normalizeDistName(entry.name).replace(/-/g, '_');
      if (!names.has(importName)) names.set(importName, `the locked package "${entry.name}"`);
    }
  }
  return names;
}

async function pythonProjects(tree: Tree): Promise<Array<{ file: string; data: Record<string, unknown> }>> {
  return (await globAsync(tree, ['**/pyproject.toml'])).map((file) => {
    try {
      return { file, data: parse(tree.read(file, 'utf-8') ?? '') as Record<string, unknown> };
    } catch (error) {
      throw new GeneratorInputError(
        `${file} is not valid TOML (${(error as Error).message.split('\n')[0]}); fix it before generating a project.`,
      );
    }
  });
}

function dirOf(file: string): string {
  const index = file.lastIndexOf('/');
  return index === -1 ? '' : file.slice(0, index);
}

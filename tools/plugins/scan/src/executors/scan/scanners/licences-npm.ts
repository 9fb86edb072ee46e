import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { InProcessScanner } from './types';
import { licenceFindings } from './licences-python';

interface LockPackage {
  name?: string;
  version?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  link?: boolean;
  resolved?: string;
}

interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockPackage>;
}

/** The nearest package-lock.json at or above the project, up to the workspace root. */
function findLockfile(workspaceRoot: string, projectRoot: string): string | undefined {
  let folder = join(workspaceRoot, projectRoot);
  for (;;) {
    const candidate = join(folder, 'package-lock.json');
    if (existsSync(candidate)) return candidate;
    if (folder === workspaceRoot || dirname(folder) === folder) return undefined;
    folder = dirname(folder);
  }
}

/** Node's resolution over lockfile keys: `<from>/node_modules/<name>`, then each parent folder's. */
function resolveIn(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}

/**
 * Licences of every package the project ships (its `dependencies` and theirs, as package-lock.json
 * v2/v3 resolves them; dev tools are not shipped), checked against the allow-list in-process:
 * the lockfile records each package's declared licence, so no tool or network is needed.
 */
export const npmLicences: InProcessScanner = {
  name: 'licences',
  category: 'licences',
  appliesTo: ['npm'],
  inProcess(context) {
    const lockfilePath = findLockfile(context.workspaceRoot, context.projectRoot);
    if (!lockfilePath)
      return { notRun: 'no package-lock.json at or above the project: run `npm install` to create one' };
    const lock = JSON.parse(readFileSync(lockfilePath, 'utf8')) as Lockfile;
    if (!lock.packages || (lock.lockfileVersion ?? 1) < 2) {
      return {
        notRun: `${relative(context.workspaceRoot, lockfilePath)} is lockfile v1, which records no licences: run \`npm install\` with npm 7 or newer`,
      };
    }
    const packages = lock.packages;
    const lockRoot = relative(dirname(lockfilePath), join(context.workspaceRoot, context.projectRoot))
      .split('\\')
      .join('/');
    const start = lockRoot === '' ? '' : lockRoot;
    if (!packages[start])
      return { notRun: `package-lock.json has no entry for ${start || 'the root package'}: run \`npm install\`` };

    const seen = new Set<string>();
    const queue = [start];
    while (queue.length) {
      const key = queue.shift() as string;
      const pkg = packages[key];
      const deps = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
      for (const name of Object.keys(deps)) {
        let resolved = resolveIn(packages, key, name);
        // Workspace packages appear as links to their folder.
        if (resolved && packages[resolved].link && packages[resolved].resolved) resolved = packages[resolved].resolved;
        if (resolved && !seen.has(resolved)) {
          seen.add(resolved);
          queue.push(resolved);
        }
      }
    }
    const shipped = [...seen]
      .filter((key) => key.includes('node_modules/'))
      .map((key) => ({
        name: packages[key].name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length),
        version: packages[key].version ?? '',
        licence: packages[key].license,
      }));
    return {
      findings: licenceFindings(shipped, 'npm', relative(context.workspaceRoot, lockfilePath), context),
      summary: `${shipped.length} dependencies checked`,
    };
  },
};

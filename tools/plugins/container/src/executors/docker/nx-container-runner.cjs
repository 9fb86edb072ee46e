// Runs @nx-tools/nx-container's build executor in this process and exits with its result.
// Spawned by ./nx-container.ts with one JSON argument: { project, projectRoot, options }.
'use strict';
const { readFileSync, rmSync } = require('node:fs');
const { dirname, join } = require('node:path');

/**
 * @nx-tools/ci-context (7.3.0) reads the source URL with `git remote get-url origin` and throws
 * when a clone has no `origin` (a fresh `git init`, a local-only checkout), which fails the whole
 * build. Git has no way to supply a remote from outside the repository's config, so the lookup
 * falls back to the workspace path here; every other git fact still comes from ci-context.
 */
async function allowCheckoutsWithoutOrigin(root) {
  const { Git } = await import('@nx-tools/ci-context/src/lib/utils/git');
  const remoteURL = Git.remoteURL.bind(Git);
  Git.remoteURL = async () => {
    try {
      return await remoteURL();
    } catch {
      return `file://${root}`;
    }
  };
}

async function main() {
  const { project, projectRoot, options } = JSON.parse(process.argv[2]);
  const root = process.cwd();
  await allowCheckoutsWithoutOrigin(root);
  // Resolved the way Nx resolves any executor: through the package's executors.json.
  const manifest = require.resolve('@nx-tools/nx-container/package.json');
  const executors = JSON.parse(readFileSync(join(dirname(manifest), 'executors.json'), 'utf8'));
  const build = require(join(dirname(manifest), executors.executors.build.implementation));
  const context = {
    root,
    cwd: root,
    isVerbose: false,
    projectName: project,
    targetName: 'docker',
    projectsConfigurations: { version: 2, projects: { [project]: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  };
  try {
    const result = await (build.default ?? build)(options, context);
    process.exitCode = result && result.success ? 0 : 1;
  } finally {
    await removeToolsTmpDir();
  }
}

/**
 * @nx-tools/core (7.3.0) writes the build's metadata files (bake definitions, labels, tags) into a
 * folder of its own under the system's temporary folder and never removes it: one left behind per
 * build. Its tmpDir() gives that folder (making it when the build made none); removed here.
 */
async function removeToolsTmpDir() {
  const { tmpDir } = await import('@nx-tools/core');
  rmSync(tmpDir(), { recursive: true, force: true });
}

main().catch((error) => {
  console.error(`nx-container failed: ${error && error.stack ? error.stack : error}`);
  process.exitCode = 1;
});

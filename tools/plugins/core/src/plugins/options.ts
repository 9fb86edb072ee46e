/** Options of the @customercare/nx-* plugin entries in nx.json (each plugin reads the ones it uses). Every one has a default. */
export interface PipelinePluginOptions {
  lintTargetName?: string;
  testTargetName?: string;
  /** Name of the security scan target on Python and npm projects (default `scan`). */
  scanTargetName?: string;
  /** The workspace's Python virtual environment, relative to the workspace root. */
  venv?: string;
  /** Name of the target inferred from a Containerfile or Dockerfile (default `docker`). */
  dockerTargetName?: string;
  /** Project with the `base-image` target, and the folder of its `<name>.packages` lists. */
  baseImagesProject?: string;
  baseImagesDirectory?: string;
  /** Names of the targets inferred from a deploy config (default `deploy` and `rollback`). */
  deployTargetName?: string;
  rollbackTargetName?: string;
}

/**
 * The pipeline's inference plugins, one per concern, in the order nx.json lists them (the Python
 * plugin names the Python projects that the scan plugin adds a target to): what the init generator
 * registers, and what @customercare/nx-inference's `plugins` option may name.
 */
export const PIPELINE_PLUGINS = [
  '@customercare/nx-python',
  '@customercare/nx-scan',
  '@customercare/nx-perf',
  '@customercare/nx-container',
  '@customercare/nx-deploy',
  '@customercare/nx-monitoring',
  '@customercare/nx-dast',
] as const;

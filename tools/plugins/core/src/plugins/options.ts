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

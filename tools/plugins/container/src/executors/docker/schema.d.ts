import type { ImageTestOptions } from '../../plugins/containerfile';
import type { EngineChoice } from './engines';

export interface DockerExecutorSchema {
  engine?: EngineChoice;
  /** Containerfile or Dockerfile, workspace-relative. */
  file: string;
  /** A workspace-relative folder, or `python` for the staged locked dependencies of a Python project. */
  context?: string;
  /** Workspace files copied into the staged python context before the build (`include` directives). */
  include?: Array<{ from: string; to: string }>;
  /** Image name without registry or tag (default customercare/<project>). */
  image?: string;
  /** Build ARG -> local base image name (a tools/base-images/<name>.packages file). */
  baseImages?: Record<string, string>;
  baseImagesDirectory?: string;
  /** Extra `NAME=value` build arguments; one naming a baseImages ARG replaces the local base. */
  buildArgs?: string[];
  /** nx-container metadata tag rules (docker/metadata-action syntax). */
  tags?: string[];
  /** Build without the engine's layer cache. */
  noCache?: boolean;
  test?: ImageTestOptions & { secretsAllow?: string[] };
  skipTest?: boolean;
  push?: boolean;
  /** Environment variable that names the registry to push to (default CONTAINER_REGISTRY). */
  registryEnv?: string;
  reportsDirectory?: string;
  quiet?: boolean;
}

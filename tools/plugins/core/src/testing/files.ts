import type { CreateNodesContextV2 } from '@nx/devkit';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes each `path -> content` of `files` under `root`, creating the folders on the way. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A new temporary folder holding `files`: a workspace for the inference specs. Remove it after. */
export function workspaceWith(files: Record<string, string>, prefix = 'nx-pipeline-infer-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeFiles(root, files);
  return root;
}

/** The createNodes context Nx passes for a workspace at `root`. */
export function inferenceContext(root: string): CreateNodesContextV2 {
  return { workspaceRoot: root, nxJsonConfiguration: {} };
}

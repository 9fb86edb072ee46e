import type { ExecutorContext } from '@nx/devkit';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TOOLS_BIN } from '../tools/resolve';
import { writeFiles } from './files';
import { executorContext } from './executor-context';

/** The real workspace, whose .venv and .cache/bin (filled by `npm run setup`) the fixtures borrow. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../../..');

/**
 * Links the real workspace's .cache/bin, where setup installs or links every tool, into the
 * throw-away workspace `root`: the tool resolver, asked for `root`, then finds the tools of the
 * real workspace rather than none. Before setup there is nothing to link, and the resolver's
 * error says to run it.
 */
export function linkWorkspaceTools(root: string): void {
  const tools = join(WORKSPACE_ROOT, TOOLS_BIN);
  if (!existsSync(tools)) return;
  mkdirSync(dirname(join(root, TOOLS_BIN)), { recursive: true });
  symlinkSync(tools, join(root, TOOLS_BIN));
}

/**
 * A throw-away workspace holding one small Python project at `apps/fixture`, with the real
 * gates.json and links to the real .venv and .cache/bin, so executors run real tools against real files.
 */
export function pythonWorkspace(
  files: Record<string, string>,
  gates?: object,
): { root: string; context: ExecutorContext } {
  const root = mkdtempSync(join(tmpdir(), 'nx-pipeline-py-'));
  symlinkSync(join(WORKSPACE_ROOT, '.venv'), join(root, '.venv'));
  linkWorkspaceTools(root);
  if (gates) writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
  else cpSync(join(WORKSPACE_ROOT, 'gates.json'), join(root, 'gates.json'));
  writeFileSync(join(root, 'pyproject.toml'), '[tool.ruff]\nline-length = 100\nsrc = ["apps/*/src"]\n');
  writeFiles(join(root, 'apps/fixture'), files);
  return { root, context: fixtureContext(root) };
}

/** The executor context Nx would pass for the one project `fixture` at `apps/fixture` under `root`. */
export function fixtureContext(root: string): ExecutorContext {
  return executorContext(root, 'fixture', 'apps/fixture');
}

export const FIXTURE_PYPROJECT = `[project]
name = "fixture"
version = "0.1.0"
requires-python = ">=3.11"

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
addopts = ["--import-mode=importlib"]
`;

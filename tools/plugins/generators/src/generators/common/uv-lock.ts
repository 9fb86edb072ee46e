import { logger, type GeneratorCallback } from '@nx/devkit';
import { resolveTool, runTool } from '@customercare/nx-core';

export const NEXT_STEPS = "Run `npm run setup` to install it into the workspace's .venv.";

/**
 * The callback a Python generator returns: Nx runs it after writing the files (never on
 * --dry-run). It locks the new member into uv.lock so `uv sync --locked` keeps passing in CI; with
 * skipLock it only says what to run. uv comes from the workspace's resolver (never PATH); a uv that
 * is missing, or a `uv lock` that fails, fails the generator: a stale uv.lock would fail CI later.
 */
export function uvLockTask(
  workspaceRoot: string,
  projectRoot: string,
  skipLock: boolean | undefined,
): GeneratorCallback {
  return async () => {
    if (skipLock) {
      logger.info(`Generated ${projectRoot}. Run \`uv lock && npm run setup\` to lock and install it.`);
      return;
    }
    logger.info(`Running \`uv lock\` to add ${projectRoot} to uv.lock...`);
    const uv = resolveTool('uv', { workspaceRoot }).path;
    const fix = `Fix what uv said above, then run \`.cache/bin/uv lock && npm run setup\`.`;
    const result = await runTool(
      {
        label: 'uv lock',
        command: uv,
        args: ['lock'],
        cwd: workspaceRoot,
        env: { UV_PYTHON_DOWNLOADS: process.env['UV_PYTHON_DOWNLOADS'] ?? 'never' },
      },
      { fix: `Generated ${projectRoot}, but uv could not be started. ${fix}` },
    );
    if (result.exitCode !== 0) {
      throw new Error(
        `Generated ${projectRoot}, but \`${uv} lock\` exited with ${result.signal ?? result.exitCode}, so uv.lock does not list it yet. ${fix}`,
      );
    }
    logger.info(`Locked ${projectRoot}. ${NEXT_STEPS}`);
  };
}

import { logger, type GeneratorCallback } from '@nx/devkit';
import { spawnSync } from 'node:child_process';

export const NEXT_STEPS = 'Run `npm run setup` to install it into the workspace\'s .venv.';

/**
 * The callback a Python generator returns: Nx runs it after writing the files (never on
 * --dry-run). It locks the new member into uv.lock so `uv sync --locked` keeps passing in CI; with
 * skipLock it only says what to run.
 */
export function uvLockTask(workspaceRoot: string, projectRoot: string, skipLock: boolean | undefined): GeneratorCallback {
  return () => {
    if (skipLock) {
      logger.info(`Generated ${projectRoot}. Run \`uv lock && npm run setup\` to lock and install it.`);
      return;
    }
    logger.info(`Running \`uv lock\` to add ${projectRoot} to uv.lock...`);
    const result = spawnSync('uv', ['lock'], {
      cwd: workspaceRoot,
      stdio: 'inherit',
      env: { ...process.env, UV_PYTHON_DOWNLOADS: process.env['UV_PYTHON_DOWNLOADS'] ?? 'never' },
    });
    if (result.error || result.status !== 0) {
      const why = result.error ? `uv could not be started (${result.error.message})` : `uv lock exited with ${result.status}`;
      // The files are written and correct; only the lock is missing, so say how to finish rather than fail.
      logger.warn(`Generated ${projectRoot}, but ${why}. Run \`npm run setup\` (it installs uv), then \`uv lock && npm run setup\`.`);
      return;
    }
    logger.info(`Locked ${projectRoot}. ${NEXT_STEPS}`);
  };
}

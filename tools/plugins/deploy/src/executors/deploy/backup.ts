import { delimiter, join } from 'node:path';
import { projectExecutable, runTool, ToolNotFoundError, type ToolResult } from '@customercare/nx-core';

export interface BackupRequest {
  workspaceRoot: string;
  projectRoot: string;
  command: string[];
  timeoutMs: number;
  /** Given to the command as BACKUP_DIR (plus DEPLOY_ENVIRONMENT and DEPLOY_VERSION). */
  backupDir: string;
  environment: string;
  version: string;
  /** Extra environment (the local provider's release environment, e.g. DATA_DIR). */
  env?: Record<string, string>;
}

/**
 * Runs the service's backup command (for the backend: `python -m customercare backup`) from the
 * project root with the workspace .venv first on PATH. Resolves with its last line of output;
 * rejects with what it said when it exits non-zero, is missing, or runs past its timeout, which
 * aborts the deploy before anything changes.
 */
export async function runBackup(request: BackupRequest, log: (line: string) => void): Promise<string> {
  const output = await runServiceCommand({ ...request, what: 'backup' }, log);
  return output.trim().split('\n').slice(-3).join(' / ') || 'backup done';
}

/**
 * Runs one of the service's data commands (backup, restore, schema) like the backup: project root,
 * .venv first on PATH, the release environment plus BACKUP_DIR, DEPLOY_ENVIRONMENT and
 * DEPLOY_VERSION. Resolves with everything it printed; rejects with its last lines.
 */
export async function runServiceCommand(
  request: BackupRequest & { what: string },
  log: (line: string) => void,
): Promise<string> {
  const { what } = request;
  const [command, ...args] = request.command;
  const cwd = join(request.workspaceRoot, request.projectRoot);
  const venvBin = join(request.workspaceRoot, '.venv', 'bin');
  log(`$ ${request.command.join(' ')}`);
  let output = '';
  let result: ToolResult;
  try {
    result = await runTool(
      {
        label: `the ${what} command`,
        command: projectExecutable(command, { cwd, folders: [venvBin] }),
        args,
        cwd,
        env: {
          PATH: `${venvBin}${delimiter}${process.env.PATH}`,
          ...request.env,
          BACKUP_DIR: request.backupDir,
          DEPLOY_ENVIRONMENT: request.environment,
          DEPLOY_VERSION: request.version,
        },
      },
      {
        stdout: 'capture',
        stderr: 'capture',
        timeoutMs: request.timeoutMs,
        onOutput: (text) => {
          output += text;
          for (const line of text.split('\n').filter(Boolean)) log(`  ${line}`);
        },
      },
    );
  } catch (error) {
    throw new Error(
      error instanceof ToolNotFoundError
        ? `the ${what} command ${command} was not found (from ${request.projectRoot}); fix backup.${what === 'backup' ? 'command' : what} in the deploy config or run \`npm run setup\``
        : `the ${what} command could not start: ${(error as Error).message}`,
    );
  }
  const last = output.trim().split('\n').slice(-3).join(' / ');
  if (result.exitCode === 0 && !result.timedOut) return result.stdout;
  if (result.timedOut || result.signal)
    throw new Error(
      `${what} was stopped by ${result.signal ?? 'SIGTERM'} after ${request.timeoutMs} ms (timeout): ${last}`,
    );
  if (what === 'backup')
    throw new Error(`backup exited ${result.exitCode}, so nothing was deployed: ${last || '(no output)'}`);
  throw new Error(`${what} exited ${result.exitCode}: ${last || '(no output)'}`);
}

import { spawn } from 'node:child_process';
import { delimiter, join } from 'node:path';

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
export function runBackup(request: BackupRequest, log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = request.command;
    log(`$ ${request.command.join(' ')}`);
    const child = spawn(command, args, {
      cwd: join(request.workspaceRoot, request.projectRoot),
      env: {
        ...process.env,
        PATH: `${join(request.workspaceRoot, '.venv', 'bin')}${delimiter}${process.env.PATH}`,
        ...request.env,
        BACKUP_DIR: request.backupDir,
        DEPLOY_ENVIRONMENT: request.environment,
        DEPLOY_VERSION: request.version,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) log(`  ${line}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), request.timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `the backup command ${command} was not found (from ${request.projectRoot}); fix backup.command in the deploy config or run \`npm run setup\``
            : `the backup command could not start: ${error.message}`,
        ),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = output.trim().split('\n').slice(-3).join(' / ');
      if (code === 0) resolve(last || 'backup done');
      else if (signal)
        reject(new Error(`backup was stopped by ${signal} after ${request.timeoutMs} ms (timeout): ${last}`));
      else reject(new Error(`backup exited ${code}, so nothing was deployed: ${last || '(no output)'}`));
    });
  });
}

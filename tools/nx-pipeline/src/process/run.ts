import { spawn } from 'node:child_process';

export interface ToolCommand {
  /** A short name for messages, e.g. "ruff check". */
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface ToolResult {
  label: string;
  exitCode: number;
  /** Set when the process was killed by a signal rather than exiting. */
  signal?: NodeJS.Signals;
}

export class ToolNotFoundError extends Error {
  override name = 'ToolNotFoundError';
}

/** Shows a command as a person would type it (for logs only: it is never given to a shell). */
export function formatCommand(command: ToolCommand): string {
  const quote = (part: string) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`);
  return [command.command, ...command.args].map(quote).join(' ');
}

/**
 * Runs one tool: an argv array, no shell, output streamed to ours as it comes. Resolves with the
 * exit code; rejects only when the tool could not be started at all, with the fix in the message.
 */
export function runTool(command: ToolCommand, fix: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.command, command.args, {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      stdio: 'inherit',
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once('SIGINT', forward).once('SIGTERM', forward);
    const cleanup = () => process.off('SIGINT', forward).off('SIGTERM', forward);
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      if (error.code === 'ENOENT') {
        reject(new ToolNotFoundError(`Unable to run ${command.label}: ${command.command} was not found. ${fix}`));
      } else {
        reject(new Error(`Unable to run ${command.label} (${formatCommand(command)}): ${error.message}. ${fix}`));
      }
    });
    child.once('close', (code, signal) => {
      cleanup();
      resolve({ label: command.label, exitCode: code ?? 128, signal: signal ?? undefined });
    });
  });
}

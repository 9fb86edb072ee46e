import { spawn } from 'node:child_process';
import { executableOf, formatCommand } from '../../../process/run';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a CLI with an argv array (no shell) and captures its output; never throws on a non-zero exit. */
export type CommandRunner = (argv: string[], options?: RunOptions) => Promise<CommandResult>;

export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
}

/** Replaces every secret in a text with "***", so tokens never reach a log, a report or an error. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * The real runner: spawns the tool, echoes the redacted command line, and captures stdout/stderr.
 * A missing tool is a clear error with the fix; a non-zero exit is returned for the caller to map.
 */
export function createRunner(
  log: (line: string) => void,
  secrets: readonly string[],
  fixes: Record<string, string> = {},
): CommandRunner {
  return (argv, options = {}) =>
    new Promise((resolve, reject) => {
      const [command, ...args] = argv;
      log(`$ ${redact(formatCommand({ label: command, command, args, cwd: '' }), secrets)}`);
      let executable: string;
      try {
        executable = executableOf(command);
      } catch (error) {
        reject(new CommandFailedError((error as Error).message));
        return;
      }
      const child = spawn(executable, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), options.timeoutMs) : undefined;
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const fix = fixes[command] ?? 'Run `npm run doctor` to see where it should be.';
        reject(
          new CommandFailedError(
            error.code === 'ENOENT'
              ? `${executable} was not found. ${fix}`
              : `Unable to run ${executable}: ${error.message}`,
          ),
        );
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: redact(stdout, secrets),
          stderr: redact(stderr, secrets),
        });
      });
    });
}

/** Runs a command and throws (with the tool's own last words) when it fails. */
export async function runOrThrow(
  run: CommandRunner,
  argv: string[],
  what: string,
  options?: RunOptions,
): Promise<CommandResult> {
  const result = await run(argv, options);
  if (result.exitCode !== 0) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n');
    throw new CommandFailedError(`${what} failed (${argv[0]} exited ${result.exitCode}):\n${said}`);
  }
  return result;
}

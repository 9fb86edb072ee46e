import { runTool } from '@customercare/nx-core';

export { redact } from '@customercare/nx-core';

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

/**
 * The real runner: core's runTool with the output captured, the command line echoed and every
 * secret redacted. A missing tool is a CommandFailedError with the fix; a non-zero exit is returned
 * for the caller to map.
 */
export function createRunner(
  log: (line: string) => void,
  secrets: readonly string[],
  fixes: Record<string, string> = {},
): CommandRunner {
  return async ([command, ...args], options = {}) => {
    try {
      const result = await runTool(
        { label: command, command, args, cwd: options.cwd ?? '', env: options.env },
        {
          fix: fixes[command] ?? 'Run `npm run doctor` to see where it should be.',
          stdout: 'capture',
          stderr: 'capture',
          timeoutMs: options.timeoutMs,
          secrets,
          echo: log,
        },
      );
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    } catch (error) {
      throw new CommandFailedError((error as Error).message);
    }
  };
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

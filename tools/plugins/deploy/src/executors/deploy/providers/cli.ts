import { projectExecutable, runTool, startProcess, type ToolResult } from '@customercare/nx-core';

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

export interface StartOptions {
  cwd: string;
  /** On top of ours (never written into process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where its stdout and stderr go (appended, written by the process itself: it outlives the deploy). */
  logFile: string;
  /** Folders where argv[0] is looked for first (the workspace's .venv/bin), before the toolchain and the system's folders. */
  folders?: string[];
}

/** A process a provider started that outlives the deploy command (a release, Prometheus). */
export interface StartedCommand {
  pid: number;
  /** Undefined while it runs; how it ended, once it has (seen while this process runs). */
  result(): ToolResult | undefined;
  /** The last lines of its log. */
  tail(lines?: number): string;
}

/**
 * Runs a CLI with an argv array (no shell) and captures its output; never throws on a non-zero exit.
 * `start` starts a long-running process instead, in its own process group, detached from this one.
 * Whatever a provider runs goes through here, so a fake runner in a test sees all of it.
 */
export type CommandRunner = ((argv: string[], options?: RunOptions) => Promise<CommandResult>) & {
  /** createRunner's runner has it; a fake for a provider that starts nothing may leave it out. */
  start?: (argv: string[], options: StartOptions) => Promise<StartedCommand>;
};

/** The runner's `start`, or an error naming the fix when it has none. */
export function starterOf(run: CommandRunner): NonNullable<CommandRunner['start']> {
  if (!run.start)
    throw new CommandFailedError(
      'This runner cannot start long-running processes (it has no start()): use createRunner, or give the fake one.',
    );
  return run.start;
}

export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
}

/**
 * The real runner: core's runTool with the output captured, the command line echoed and every
 * secret redacted; `start` is core's startProcess with `outlive` (the process is stopped later by
 * its pid, with core's stopProcessGroup). A missing tool is a CommandFailedError with the fix; a
 * non-zero exit is returned for the caller to map.
 */
export function createRunner(
  log: (line: string) => void,
  secrets: readonly string[],
  fixes: Record<string, string> = {},
): CommandRunner {
  const fixOf = (command: string) => fixes[command] ?? 'Run `npm run doctor` to see where it should be.';
  const run = async ([command, ...args]: string[], options: RunOptions = {}): Promise<CommandResult> => {
    try {
      const result = await runTool(
        { label: command, command, args, cwd: options.cwd ?? '', env: options.env },
        {
          fix: fixOf(command),
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
  const start = async ([command, ...args]: string[], options: StartOptions): Promise<StartedCommand> => {
    try {
      const executable = projectExecutable(command, { cwd: options.cwd, folders: options.folders });
      const started = await startProcess(
        { label: command, command: executable, args, cwd: options.cwd, env: options.env },
        { fix: fixOf(command), output: { file: options.logFile }, outlive: true, secrets, echo: log },
      );
      return { pid: started.pid, result: started.result, tail: started.tail };
    } catch (error) {
      throw new CommandFailedError((error as Error).message);
    }
  };
  return Object.assign(run, { start });
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

import { spawnSync } from 'node:child_process';
import { executableOf, redact, startFailure, type ToolCommand, type ToolResult } from './run';

export interface RunSyncOptions {
  /** The one fix to print when the tool cannot be started (appended to the error). */
  fix?: string;
  /** Written to the tool's stdin, which is closed after it. */
  input?: string;
  /** Kills the tool (SIGTERM) after this long; the result says timedOut. */
  timeoutMs?: number;
  /** Replaced by *** in the captured output. */
  secrets?: readonly string[];
}

/**
 * `runTool` for the few callers that must stay synchronous (the resolver's version probe, which
 * `resolveTool` needs before it returns): the same argv-only spawn through the same resolver, the
 * environment passed in `command.env`, and the same result, with stdout and stderr always captured.
 * Throws only when the tool could not be started at all, with the fix in the message.
 */
export function runToolSync(command: ToolCommand, options: RunSyncOptions = {}): ToolResult {
  const secrets = options.secrets ?? [];
  const result = spawnSync(executableOf(command.command), command.args, {
    cwd: command.cwd || undefined,
    env: { ...process.env, ...command.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs,
    killSignal: 'SIGTERM',
    maxBuffer: 64 * 1024 * 1024,
  });
  const error = result.error as NodeJS.ErrnoException | undefined;
  const timedOut = error?.code === 'ETIMEDOUT';
  if (error && !timedOut) {
    throw startFailure(command, options.fix ?? 'Run `npm run doctor` to see where it should be.', error);
  }
  const stderr = result.stderr ?? '';
  return {
    label: command.label,
    exitCode: result.status ?? 128,
    signal: result.signal ?? undefined,
    timedOut,
    stdout: redact(result.stdout ?? '', secrets),
    stderr: redact(stderr, secrets),
    stderrTail: redact(stderr.trim().split('\n').slice(-3).join(' | '), secrets),
  };
}

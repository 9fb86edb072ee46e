import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { executorTools, resolveTool } from '../tools/resolve';

export interface ToolCommand {
  /** A short name for messages, e.g. "ruff check". */
  label: string;
  /** An absolute path, or the name of a tool in tools/toolchain.json, which the resolver turns into one. */
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** What every command run through this module returns, whichever way its output went. */
export interface ToolResult {
  label: string;
  exitCode: number;
  /** Set when the process was killed by a signal rather than exiting. */
  signal?: NodeJS.Signals;
  /** True when `timeoutMs` passed and the process group was stopped. */
  timedOut: boolean;
  /** The output, when captured (`stdout: 'capture'`, `stderr: 'capture'`); redacted. Else ''. */
  stdout: string;
  stderr: string;
  /** The last lines the tool wrote to stderr, for a one-line reason when it fails; redacted. */
  stderrTail: string;
}

export class ToolNotFoundError extends Error {
  override name = 'ToolNotFoundError';
}

/**
 * The executable to spawn: an absolute path as it is, a tool name through the workspace's one
 * resolver (never PATH). A name that is not in tools/toolchain.json is an error: nothing spawns a
 * bare name that the resolver, `npm run doctor` and setup do not know about.
 */
export function executableOf(command: string): string {
  return isAbsolute(command) ? command : resolveTool(command, executorTools()).path;
}

/** Shows a command as a person would type it (for logs only: it is never given to a shell). */
export function formatCommand(command: ToolCommand): string {
  const quote = (part: string) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`);
  return [command.command, ...command.args].map(quote).join(' ');
}

/** The error for a tool that could not be started at all, with the fix in its message. */
export function startFailure(command: ToolCommand, fix: string, error: NodeJS.ErrnoException): Error {
  return error.code === 'ENOENT'
    ? new ToolNotFoundError(`Unable to run ${command.label}: ${command.command} was not found. ${fix}`)
    : new Error(`Unable to run ${command.label} (${formatCommand(command)}): ${error.message}. ${fix}`);
}

/** Replaces every secret in a text with "***", so tokens never reach a log, a report or an error. */
export function redact(text: string, secrets: readonly string[] = []): string {
  return secrets.filter((secret) => secret.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}

export interface RunOptions {
  /** The one fix to print when the tool cannot be started (appended to the error). */
  fix?: string;
  /** Where stdout goes: ours (default), captured into the result, or a file (for tools whose report is their output). */
  stdout?: 'inherit' | 'capture' | { file: string };
  /** Where stderr goes: ours with its tail kept (default), or captured into the result. */
  stderr?: 'inherit' | 'capture';
  /** Written to the tool's stdin, which is closed after it (else stdin is empty). */
  input?: string;
  /** Stops the whole process group (SIGTERM, then SIGKILL 5 s later) after this long; the result says timedOut. */
  timeoutMs?: number;
  /** Replaced by *** in the echoed command line and in the captured output. */
  secrets?: readonly string[];
  /** Called with `$ <command line>` (redacted) before the tool starts. */
  echo?: (line: string) => void;
  /** Called with each piece of captured output (redacted) as it arrives, in order: to stream and keep both. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** When it aborts, the process group gets `abortWith` (SIGTERM; k6 and Artillery stop cleanly on SIGINT). */
  signal?: AbortSignal;
  abortWith?: NodeJS.Signals;
}

/**
 * Runs one tool: argv only (never a shell), the executable through the workspace's one resolver,
 * the environment passed in `command.env` on top of ours (never written into process.env). Output
 * is streamed to ours as it comes, or captured, or written to a file; stderr's last lines are kept
 * for a one-line reason. The tool runs in its own process group: Ctrl-C, SIGTERM and a timeout stop
 * it and everything it started. Resolves with the exit code whatever it is; rejects only when the
 * tool could not be started at all, with the fix in the message.
 */
export function runTool(
  command: ToolCommand,
  fixOrOptions: string | RunOptions = {},
  more: RunOptions = {},
): Promise<ToolResult> {
  const options: RunOptions = typeof fixOrOptions === 'string' ? { ...more, fix: fixOrOptions } : fixOrOptions;
  const { stdout: stdoutMode = 'inherit', stderr: stderrMode = 'inherit', secrets = [] } = options;
  return new Promise((resolve, reject) => {
    options.echo?.(`$ ${redact(formatCommand(command), secrets)}`);
    const stdoutFile = typeof stdoutMode === 'object' ? stdoutMode.file : undefined;
    if (stdoutFile) mkdirSync(dirname(stdoutFile), { recursive: true });
    // A ToolError thrown here (a tool the resolver cannot find) rejects the promise.
    const child = spawn(executableOf(command.command), command.args, {
      cwd: command.cwd || undefined,
      env: { ...process.env, ...command.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', stdoutMode === 'inherit' ? 'inherit' : 'pipe', 'pipe'],
      detached: true,
    });
    const out = stdoutFile ? createWriteStream(stdoutFile) : undefined;
    if (out) child.stdout?.pipe(out);
    let stdout = '';
    if (stdoutMode === 'capture')
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        options.onOutput?.(redact(chunk.toString(), secrets), 'stdout');
      });
    let stderr = '';
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderrMode === 'capture') {
        stderr += chunk.toString();
        options.onOutput?.(redact(chunk.toString(), secrets), 'stderr');
      } else process.stderr.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    let timedOut = false;
    let hardKill: NodeJS.Timeout | undefined;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup('SIGTERM');
          hardKill = setTimeout(() => killGroup('SIGKILL'), 5000).unref();
        }, options.timeoutMs)
      : undefined;
    const forward = (signal: NodeJS.Signals) => killGroup(signal);
    process.once('SIGINT', forward).once('SIGTERM', forward);
    const onAbort = () => killGroup(options.abortWith ?? 'SIGTERM');
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      process.off('SIGINT', forward).off('SIGTERM', forward);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(startFailure(command, options.fix ?? 'Run `npm run doctor` to see where it should be.', error));
    });
    child.once('close', (code, signal) => {
      cleanup();
      const done = () =>
        resolve({
          label: command.label,
          exitCode: code ?? 128,
          signal: signal ?? undefined,
          timedOut,
          stdout: redact(stdout, secrets),
          stderr: redact(stderr, secrets),
          stderrTail: redact(tail.trim().split('\n').slice(-3).join(' | '), secrets),
        });
      if (out) out.end(done);
      else done();
    });
  });
}

/** Runs a short command and collects its output (inspect, exec, push digests, CLIs whose answer is read). */
export function capture(command: ToolCommand, fix: string, input?: string): Promise<ToolResult> {
  return runTool(command, { fix, stdout: 'capture', stderr: 'capture', input });
}

/** Like capture, but a non-zero exit is an error that shows the command and what it printed. */
export async function captureOk(command: ToolCommand, fix: string): Promise<string> {
  const result = await capture(command, fix);
  if (result.exitCode !== 0) {
    throw new Error(
      `${command.label} failed (exit ${result.exitCode}): ${formatCommand(command)}\n${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout;
}

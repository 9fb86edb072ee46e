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

export interface ToolResult {
  label: string;
  exitCode: number;
  /** Set when the process was killed by a signal rather than exiting. */
  signal?: NodeJS.Signals;
  /** The last lines the tool wrote to stderr, for a one-line reason when it fails. */
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

export interface RunOptions {
  /** Write the tool's stdout to this file instead of ours: for tools whose report is their output. */
  stdoutFile?: string;
}

/**
 * Runs one tool: an argv array, no shell, output streamed to ours as it comes (stderr is also
 * kept, its last lines becoming the one-line reason when the tool fails). Resolves with the exit
 * code; rejects only when the tool could not be started at all, with the fix in the message.
 */
export function runTool(command: ToolCommand, fix: string, options: RunOptions = {}): Promise<ToolResult> {
  const { stdoutFile } = options;
  return new Promise((resolve, reject) => {
    if (stdoutFile) mkdirSync(dirname(stdoutFile), { recursive: true });
    // A ToolError thrown here rejects the promise (the executor runs inside it).
    const child = spawn(executableOf(command.command), command.args, {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      stdio: ['ignore', stdoutFile ? 'pipe' : 'inherit', 'pipe'],
    });
    const out = stdoutFile ? createWriteStream(stdoutFile) : undefined;
    if (out) child.stdout?.pipe(out);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once('SIGINT', forward).once('SIGTERM', forward);
    const cleanup = () => process.off('SIGINT', forward).off('SIGTERM', forward);
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(startFailure(command, fix, error));
    });
    child.once('close', (code, signal) => {
      cleanup();
      const done = () =>
        resolve({
          label: command.label,
          exitCode: code ?? 128,
          signal: signal ?? undefined,
          stderrTail: stderr.trim().split('\n').slice(-3).join(' | '),
        });
      if (out) out.end(done);
      else done();
    });
  });
}

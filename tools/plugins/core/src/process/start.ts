import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { executableOf, formatCommand, redact, startFailure, type ToolCommand, type ToolResult } from './run';

export interface StartOptions {
  /** The one fix to print when the process cannot be started (appended to the error). */
  fix?: string;
  /**
   * Where stdout and stderr go: ours (default), kept in memory (their last 64 KB each, in `tail()`
   * and the exit result), or appended to a file the process writes itself, so a process that
   * outlives this one keeps its log.
   */
  output?: 'inherit' | 'capture' | { file: string };
  /** Replaced by *** in the echoed command line, in `tail()` and in the exit result. */
  secrets?: readonly string[];
  /** Called with `$ <command line>` (redacted) before the process starts. */
  echo?: (line: string) => void;
  /**
   * The process outlives this one (a deployed release, its proxy, its Prometheus): it is neither
   * stopped when this process exits or is interrupted nor keeps it alive. Stop it later by its pid
   * with `stopProcessGroup`.
   */
  outlive?: boolean;
}

/** A process started by `startProcess`, running in its own process group. */
export interface StartedProcess {
  label: string;
  pid: number;
  /** Resolves when the process has exited, with its exit code or signal and its (redacted) output. */
  exited: Promise<ToolResult>;
  /** Undefined while it runs; its result once it has exited. */
  result(): ToolResult | undefined;
  /** The last lines it wrote (from memory or its log file), redacted; '' for inherited output. */
  tail(lines?: number): string;
  /**
   * Sends `signal` (SIGTERM) to its whole process group, waits up to `graceMs` (5 s) for it to exit,
   * then SIGKILLs the group, so anything it started dies with it. Safe to call twice or after it exited.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ToolResult>;
}

const KEEP = 64 * 1024;

/** Sends a signal to a whole process group; false when the group is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops a process group started earlier, possibly by another run (a pid read back from a state
 * file): `signal` (SIGTERM) to the group, up to `graceMs` (5 s) for its leader to exit, then SIGKILL.
 * A process that is not a group leader is signalled alone.
 */
export async function stopProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!isAlive(pid)) return;
  const send = (s: NodeJS.Signals) => {
    if (!signalGroup(pid, s) && isAlive(pid)) process.kill(pid, s);
  };
  send(signal);
  for (let waited = 0; waited < graceMs && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) send('SIGKILL');
}

function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function fileTail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-KEEP) : '';
}

/**
 * Starts a long-running process (a service, a daemon, a release): argv only (never a shell), the
 * executable through the workspace's one resolver as `runTool` finds it, the environment passed in
 * `command.env` on top of ours, in its own process group. Unless `outlive` is set, the group is
 * SIGKILLed when this process exits, and stopped on Ctrl-C or SIGTERM (then this process exits 130
 * or 143 unless something else handles the signal), so nothing is left behind. Resolves once the
 * process has been spawned; rejects, with the fix in the message, when it could not be started.
 */
export function startProcess(command: ToolCommand, options: StartOptions = {}): Promise<StartedProcess> {
  const { output = 'inherit', secrets = [] } = options;
  return new Promise((resolve, reject) => {
    options.echo?.(`$ ${redact(formatCommand(command), secrets)}`);
    const file = typeof output === 'object' ? output.file : undefined;
    let fd: number | undefined;
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      fd = openSync(file, 'a');
    }
    const stdio = fd ?? (output === 'capture' ? 'pipe' : 'inherit');
    let child;
    try {
      // A ToolError thrown here (a tool the resolver cannot find) rejects the promise.
      child = spawn(executableOf(command.command), command.args, {
        cwd: command.cwd || undefined,
        env: { ...process.env, ...command.env },
        stdio: ['ignore', stdio, stdio],
        detached: true,
      });
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      return reject(error);
    }
    // The child holds its own copy of the descriptor.
    if (fd !== undefined) closeSync(fd);
    let stdout = '';
    let stderr = '';
    let combined = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-KEEP);
      combined = (combined + chunk.toString()).slice(-KEEP);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-KEEP);
      combined = (combined + chunk.toString()).slice(-KEEP);
    });
    const tail = (lines = 30) => redact(lastLines(file ? fileTail(file) : combined, lines), secrets);

    let result: ToolResult | undefined;
    const exited = new Promise<ToolResult>((done) =>
      child.once('close', (code, signal) => {
        process.off('exit', onParentExit).off('SIGINT', onSignal).off('SIGTERM', onSignal);
        result = {
          label: command.label,
          exitCode: code ?? 128,
          signal: signal ?? undefined,
          timedOut: false,
          stdout: redact(stdout, secrets),
          stderr: redact(stderr, secrets),
          stderrTail: redact(
            lastLines(file ? fileTail(file) : stderr, 3)
              .trim()
              .split('\n')
              .join(' | '),
            secrets,
          ),
        };
        done(result);
      }),
    );
    let stopping: Promise<ToolResult> | undefined;
    const stop = (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<ToolResult> =>
      (stopping ??= (async () => {
        const pid = child.pid;
        if (!pid) return exited;
        if (!result) {
          signalGroup(pid, signal);
          // An unref'd timer: a process that exits at once must not keep this one waiting.
          await Promise.race([exited, sleep(graceMs, undefined, { ref: false })]);
        }
        // Whatever it started and left running dies with the group.
        signalGroup(pid, 'SIGKILL');
        return exited;
      })());
    const onParentExit = () => {
      if (child.pid && !result) signalGroup(child.pid, 'SIGKILL');
    };
    const onSignal = (signal: NodeJS.Signals) => {
      void stop().finally(() => {
        // Nobody else handles it: end as a shell reports an interrupted command (130, or 143 on SIGTERM).
        if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    };

    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(startFailure(command, options.fix ?? 'Run `npm run doctor` to see where it should be.', error));
    });
    child.once('spawn', () => {
      const pid = child.pid as number;
      if (options.outlive) child.unref();
      else process.once('exit', onParentExit).once('SIGINT', onSignal).once('SIGTERM', onSignal);
      resolve({ label: command.label, pid, exited, result: () => result, tail, stop });
    });
  });
}

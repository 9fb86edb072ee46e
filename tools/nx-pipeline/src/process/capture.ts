import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatCommand, ToolNotFoundError, type ToolCommand, type ToolResult } from './run';

export interface CapturedResult extends ToolResult {
  /** The last lines the tool wrote to stderr, for a one-line reason when it fails. */
  stderrTail: string;
}

/**
 * Runs one tool like runTool (argv, no shell) for tools whose report is their output: stdout goes
 * to `stdoutFile` when given (npm audit, npm sbom), stderr is streamed to ours and its tail kept.
 */
export function captureTool(command: ToolCommand, fix: string, stdoutFile?: string): Promise<CapturedResult> {
  return new Promise((resolve, reject) => {
    if (stdoutFile) mkdirSync(dirname(stdoutFile), { recursive: true });
    const child = spawn(command.command, command.args, {
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
      if (error.code === 'ENOENT') {
        reject(new ToolNotFoundError(`Unable to run ${command.label}: ${command.command} was not found. ${fix}`));
      } else {
        reject(new Error(`Unable to run ${command.label} (${formatCommand(command)}): ${error.message}. ${fix}`));
      }
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

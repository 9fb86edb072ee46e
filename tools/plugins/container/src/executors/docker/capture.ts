import { spawn } from 'node:child_process';
import { executableOf, formatCommand, startFailure, type ToolCommand } from '../../process/run';

export interface Captured {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a short engine command and collects its output (inspect, exec, push digests): the
 * streaming `runTool` is for builds, whose output a person watches.
 */
export function capture(command: ToolCommand, fix: string, input?: string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    // A ToolError thrown here rejects the promise (the executor runs inside it).
    const child = spawn(executableOf(command.command), command.args, {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => reject(startFailure(command, fix, error)));
    child.once('close', (code) => resolve({ exitCode: code ?? 128, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
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

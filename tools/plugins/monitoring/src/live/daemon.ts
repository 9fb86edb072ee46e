import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { executableOf } from '../shared';

export interface Daemon {
  name: string;
  pid: number;
  /** SIGTERM to its process group, SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Starts a toolchain daemon (prometheus, prometheus-alertmanager, prometheus-blackbox-exporter) in
 * its own process group, output to `logFile`, and waits until `readyUrl` answers 200.
 */
export async function startDaemon(
  tool: string,
  args: string[],
  options: { cwd: string; logFile: string; readyUrl: string; timeoutMs?: number },
): Promise<Daemon> {
  const log = openSync(options.logFile, 'a');
  const child = spawn(executableOf(tool), args, { cwd: options.cwd, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const pid = child.pid as number;
  let stopping: Promise<void> | undefined;
  const daemon: Daemon = {
    name: tool,
    pid,
    stop: () =>
      (stopping ??= (async () => {
        if (exited === undefined) {
          killGroup(pid, 'SIGTERM');
          await Promise.race([exit, sleep(5000, undefined, { ref: false })]);
        }
        killGroup(pid, 'SIGKILL');
      })()),
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `${tool} exited (${exited}) before it was ready. Its log (${options.logFile}):\n${readFileSync(options.logFile, 'utf8').slice(-2000)}`,
      );
    }
    try {
      const response = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return daemon;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(
        `${tool} did not answer ${options.readyUrl} within ${(options.timeoutMs ?? 30_000) / 1000}s. Its log: ${options.logFile}`,
      );
    }
    await sleep(200);
  }
}

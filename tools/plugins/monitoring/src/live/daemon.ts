import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess } from '../shared';

export interface Daemon {
  name: string;
  pid: number;
  /** SIGTERM to its process group, SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
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
  const fix = `Run \`npm run setup\` (tools/scripts/setup.d/75-monitoring-tools.sh installs ${tool}).`;
  const started = await startProcess(
    { label: tool, command: tool, args, cwd: options.cwd },
    { fix, output: { file: options.logFile } },
  );
  const daemon: Daemon = {
    name: tool,
    pid: started.pid,
    stop: () => started.stop('SIGTERM', 5000).then(() => undefined),
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const exited = started.result();
    if (exited) {
      throw new Error(
        `${tool} exited (${exited.signal ?? exited.exitCode}) before it was ready. Its log (${options.logFile}):\n${readFileSync(options.logFile, 'utf8').slice(-2000)}`,
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

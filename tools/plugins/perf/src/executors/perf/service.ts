import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from './scenario';
import { freePort } from '@customercare/nx-core';

export class ServiceError extends Error {
  override name = 'ServiceError';
}

export interface ServiceOptions {
  /** Absolute project root: commands run there unless the spec says otherwise. */
  projectRoot: string;
  /** Folders put first on PATH (the workspace's .venv/bin), so `python` is the project's Python. */
  pathPrepend: string[];
  /** Where the service's stdout and stderr go. */
  logFile: string;
  /** Seconds to wait after SIGTERM before SIGKILL. */
  stopGraceS?: number;
}

export interface StartedService {
  url: string;
  pid: number;
  /** Stops the whole process group (the service and anything it started); safe to call twice. */
  stop(): Promise<void>;
}

/** Fills {{ port }}, {{ host }} and {{ dataDir }} in the service's environment. */
export function renderServiceEnv(
  env: Record<string, string>,
  values: { port: number; host: string; dataDir: string },
): Record<string, string> {
  const table: Record<string, string> = { port: String(values.port), host: values.host, dataDir: values.dataDir };
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      value.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, name: string) => {
        if (!(name in table))
          throw new ServiceError(
            `service.env.${key} uses {{ ${name} }}; only {{ port }}, {{ host }} and {{ dataDir }} exist.`,
          );
        return table[name];
      }),
    ]),
  );
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no output)';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text === ''
    ? '(no output)'
    : text
        .split('\n')
        .slice(-lines)
        .map((line) => `    ${line}`)
        .join('\n');
}

/** One GET without keep-alive (a pooled socket would outlive the check), resolving to the status. */
function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 2000 }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('timeout', () => request.destroy(new Error('no answer within 2 s')));
    request.once('error', reject);
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function runSetup(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutS: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    const timer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), timeoutS * 1000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new ServiceError(
          `Unable to run the setup command \`${argv.join(' ')}\`: ${error.message}. Check service.setup in the scenario.`,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      reject(
        new ServiceError(
          `The setup command \`${argv.join(' ')}\` ${signal ? `was killed (${signal}) after ${timeoutS}s` : `exited with ${code}`}. ` +
            `Its output (${logFile}):\n${tail(logFile)}`,
        ),
      );
    });
  });
}

/**
 * Starts a service for a perf run: runs its setup commands, starts it in its own process group on
 * a free loopback port with a fresh data folder, and waits until the readiness path answers 2xx.
 * The process group is stopped on stop(), on any failure here, and when this process is
 * interrupted or exits, so a perf run leaves nothing behind.
 */
export async function startService(spec: ServiceSpec, options: ServiceOptions): Promise<StartedService> {
  const port = await freePort();
  const host = '127.0.0.1';
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-service-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [...options.pathPrepend, process.env.PATH ?? ''].join(delimiter),
    HOST: host,
    PORT: String(port),
    ...renderServiceEnv(spec.env, { port, host, dataDir }),
  };
  const cwd = spec.cwd ? join(options.projectRoot, spec.cwd) : options.projectRoot;
  const graceS = options.stopGraceS ?? 5;
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });

  try {
    for (const argv of spec.setup) await runSetup(argv, cwd, env, options.logFile, spec.readinessTimeoutS);
  } catch (error) {
    removeDataDir();
    throw error;
  }

  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(spec.command[0], spec.command.slice(1), {
    cwd,
    env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;

  let stopping: Promise<void> | undefined;
  const onExit = () => pid && killGroup(pid, 'SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        if (pid) {
          if (!exited) {
            killGroup(pid, 'SIGTERM');
            // An unref'd timer: a service that exits at once must not keep this process waiting.
            await Promise.race([exit, sleep(graceS * 1000, undefined, { ref: false })]);
          }
          // Whatever the service started and left running dies with the group.
          killGroup(pid, 'SIGKILL');
        }
        removeDataDir();
      } finally {
        // Only now: a Ctrl-C during the stop (up to the grace period) waits for it and exits 130,
        // instead of killing this process before the group's SIGKILL.
        process.off('exit', onExit).off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    })());
  process.once('exit', onExit).once('SIGINT', onSignal).once('SIGTERM', onSignal);

  if (!pid) {
    const error = await spawnError;
    await stop();
    throw new ServiceError(
      `Unable to start the service \`${spec.command.join(' ')}\`: ${error.message}. ` +
        'Check service.command in the scenario (run `npm run setup` if it is a workspace tool).',
    );
  }

  const url = `http://${host}:${port}`;
  const deadline = Date.now() + spec.readinessTimeoutS * 1000;
  let last = 'no answer yet';
  try {
    for (;;) {
      if (exited) {
        throw new ServiceError(
          `The service \`${spec.command.join(' ')}\` exited (${exited.signal ?? `code ${exited.code}`}) before it was ready. ` +
            `Its output (${options.logFile}):\n${tail(options.logFile)}`,
        );
      }
      try {
        const status = await probe(url + spec.readinessPath);
        if (status >= 200 && status < 300) break;
        last = `HTTP ${status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) {
        throw new ServiceError(
          `The service did not answer 2xx on ${url}${spec.readinessPath} within ${spec.readinessTimeoutS}s (last: ${last}). ` +
            `Raise service.readiness.timeout if it is slow to start, or fix service.readiness.path. Its output (${options.logFile}):\n${tail(options.logFile)}`,
        );
      }
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid, stop };
}

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from './scenario';
import { freePort, projectExecutable, startProcess, type StartedProcess } from '@customercare/nx-core';

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

/** An argv from the scenario, its executable found in the project's folders (never PATH), in its own process group. */
function start(argv: string[], cwd: string, env: NodeJS.ProcessEnv, folders: string[], logFile: string, what: string) {
  const command = projectExecutable(argv[0], { cwd, folders, what });
  return startProcess({ label: what, command, args: argv.slice(1), cwd, env }, { output: { file: logFile } });
}

async function runSetup(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  options: ServiceOptions,
  timeoutS: number,
): Promise<void> {
  let setup: StartedProcess;
  try {
    setup = await start(argv, cwd, env, options.pathPrepend, options.logFile, 'the setup command');
  } catch (error) {
    throw new ServiceError(
      `Unable to run the setup command \`${argv.join(' ')}\`: ${(error as Error).message} Check service.setup in the scenario.`,
    );
  }
  const timer = setTimeout(() => void setup.stop('SIGKILL', 0), timeoutS * 1000);
  const result = await setup.exited.finally(() => clearTimeout(timer));
  if (result.exitCode === 0) return;
  throw new ServiceError(
    `The setup command \`${argv.join(' ')}\` ${result.signal ? `was killed (${result.signal}) after ${timeoutS}s` : `exited with ${result.exitCode}`}. ` +
      `Its output (${options.logFile}):\n${tail(options.logFile)}`,
  );
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
  // Passed to the runner on top of ours (never written into process.env).
  const env: NodeJS.ProcessEnv = {
    PATH: [...options.pathPrepend, process.env.PATH ?? ''].join(delimiter),
    HOST: host,
    PORT: String(port),
    ...renderServiceEnv(spec.env, { port, host, dataDir }),
  };
  const cwd = spec.cwd ? join(options.projectRoot, spec.cwd) : options.projectRoot;
  const graceS = options.stopGraceS ?? 5;
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });

  try {
    for (const argv of spec.setup) await runSetup(argv, cwd, env, options, spec.readinessTimeoutS);
  } catch (error) {
    removeDataDir();
    throw error;
  }

  let service: StartedProcess;
  try {
    service = await start(spec.command, cwd, env, options.pathPrepend, options.logFile, 'the service');
  } catch (error) {
    removeDataDir();
    throw new ServiceError(
      `Unable to start the service \`${spec.command.join(' ')}\`: ${(error as Error).message} ` +
        'Check service.command in the scenario (run `npm run setup` if it is a workspace tool).',
    );
  }
  const pid = service.pid;
  let stopping: Promise<void> | undefined;
  // startProcess stops the group when this process exits or is interrupted (then exits 130/143):
  // the data folder goes with it then, and on stop().
  process.once('exit', removeDataDir);
  const stop = (): Promise<void> =>
    (stopping ??= service
      .stop('SIGTERM', graceS * 1000)
      .then(() => undefined)
      .finally(() => {
        process.off('exit', removeDataDir);
        removeDataDir();
      }));

  const url = `http://${host}:${port}`;
  const deadline = Date.now() + spec.readinessTimeoutS * 1000;
  let last = 'no answer yet';
  try {
    for (;;) {
      const exited = service.result();
      if (exited) {
        throw new ServiceError(
          `The service \`${spec.command.join(' ')}\` exited (${exited.signal ?? `code ${exited.exitCode}`}) before it was ready. ` +
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

import type { ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { executorContext } from '@customercare/nx-core/testing';

/** The loopback server the perf tests load; see its header for the knobs. */
export const FIXTURE_SERVER = join(__dirname, 'fixtures', 'server.mjs');
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..', '..', '..');

export interface PerfWorkspace {
  root: string;
  context: ExecutorContext;
  reports: string;
  readGateResults(): Array<{ gate: string; passed: boolean; measured: unknown; threshold: unknown; reason?: string }>;
}

/**
 * A throw-away workspace with one project whose scenario starts the fixture server with the
 * given flags. Gates: the workspace's gates.json with budgets of p95 1 s and p99 3 s, wide enough
 * that a loaded 2-core CI machine never fails a healthy run, while the slow cases (1.5 s) are
 * unambiguous breaches.
 */
export function perfWorkspace(
  options: { serverArgs?: string[]; env?: Record<string, string>; scenario?: Record<string, unknown> } = {},
): PerfWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'nx-pipeline-perf-'));
  const gates = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'gates.json'), 'utf8'));
  delete gates.$schema;
  gates.projects = { svc: { perf: { p95Ms: 1000, p99Ms: 3000 } } };
  writeFileSync(join(root, 'gates.json'), JSON.stringify(gates));
  mkdirSync(join(root, 'svc', 'perf'), { recursive: true });
  writeFileSync(join(root, 'svc', 'project.json'), '{}');
  const scenario = options.scenario ?? {
    config: {
      phases: [{ name: 'steady', duration: 3, arrivalRate: 50 }],
      environments: { ci: { phases: [{ name: 'steady', duration: 1.5, arrivalRate: 60 }] } },
      variables: { word: ['alpha', 'beta'] },
      http: { timeout: 5 },
    },
    service: {
      command: [process.execPath, FIXTURE_SERVER, ...(options.serverArgs ?? [])],
      env: options.env ?? {},
      readiness: { path: '/health', timeout: 10 },
      warmup: { duration: 0.3, arrivalRate: 20 },
    },
    scenarios: [
      { name: 'read', weight: 3, flow: [{ get: { url: '/items?q={{ word }}' } }] },
      {
        name: 'write',
        weight: 1,
        flow: [
          {
            post: {
              url: '/items',
              json: { word: '{{ word }}', n: '{{ $iteration }}' },
              expect: [{ statusCode: [200, 201] }],
            },
          },
        ],
      },
    ],
  };
  writeFileSync(join(root, 'svc', 'perf', 'load.yml'), stringify(scenario));
  const context = executorContext(root, 'svc', 'svc', 'perf');
  const reports = join(root, 'reports', 'svc', 'perf');
  return {
    root,
    context,
    reports,
    readGateResults: () => JSON.parse(readFileSync(join(reports, 'gate-results.json'), 'utf8')),
  };
}

/**
 * True while a process runs. A zombie has stopped: it only waits for its parent to read its exit
 * status, and an orphan's is read by init, which on some machines (this project's VMs) takes
 * seconds, so counting zombies as alive made the Ctrl-C test's wait a race with init.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (command) state ...": the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    // Where /proc exists, the process was reaped just now; elsewhere (macOS) kill() is all there is.
    return !existsSync('/proc');
  }
}

/** Waits for a process to be gone; `ms` only bounds a wait for one that never stops. */
export async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** The pids the fixture server printed to its log: its own, and its child's when SPAWN_CHILD=1. */
export function pidsFromLog(reports: string): { server: number; child?: number } {
  const log = readFileSync(join(reports, 'service.log'), 'utf8');
  const server = /\(pid (\d+)\)/.exec(log);
  if (!server) throw new Error(`the fixture server printed no pid:\n${log}`);
  const child = /child (\d+)/.exec(log);
  return { server: Number(server[1]), child: child ? Number(child[1]) : undefined };
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { withWorkspaceRoot, type EnvironmentConfig } from '../config';
import {
  BACKEND,
  haproxyConfig,
  runtimeSet,
  serverStatus,
  slotCommands,
  SLOTS,
  weightCommands,
  type Slot,
} from './local/haproxy';
import { waitHealthy } from '../probes';
import { prometheusConfig, targetsFile } from './local/prometheus';
import { executableOf } from '@customercare/nx-core';
import { needsHostNetwork, podmanEnv } from '@customercare/nx-container/lib';
import { renderRules, selectorLabels } from '@customercare/nx-monitoring/lib';
import { withVersion, type PlannedCommand, type Provider, type ProviderContext, type Release } from './provider';
import { freePort, waitFor } from '@customercare/nx-core';
import { createRunner, starterOf, type CommandRunner, type StartedCommand } from './cli';

/** A release running in one slot: a process on loopback, or a container publishing to loopback. */
interface SlotRelease {
  version: string;
  port: number;
  pid?: number;
  container?: string;
  argv: string[];
}

interface LocalState {
  haproxy?: { port: number; statsPort: number };
  prometheus?: { port: number; pid: number };
  slots: Partial<Record<Slot, SlotRelease>>;
  /** The slot that holds the stable release. */
  live?: Slot;
  /** Promoted versions, newest first, with how to start them again for a manual rollback. */
  history: Array<{ version: string; argv: string[]; at: string }>;
}

const SETUP_FIX =
  'Run `npm run setup` (tools/scripts/setup.d/70-deploy-tools.sh installs haproxy and prometheus from apt).';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where one environment's HAProxy, Prometheus, logs and state live. */
export function stateDirOf(workspaceRoot: string, project: string, env: EnvironmentConfig): string {
  const dir = env.local.stateDir ?? join('tmp', 'deploy', project, env.name);
  return isAbsolute(dir) ? dir : join(workspaceRoot, dir);
}

const files = (dir: string) => ({
  state: join(dir, 'state.json'),
  haproxyCfg: join(dir, 'haproxy.cfg'),
  haproxyPid: join(dir, 'haproxy.pid'),
  socket: join(dir, 'haproxy.sock'),
  prometheusYml: join(dir, 'prometheus.yml'),
  rules: join(dir, 'rules.yml'),
  targets: join(dir, 'targets.json'),
  tsdb: join(dir, 'prometheus-data'),
  logs: join(dir, 'logs'),
});

function readState(dir: string): LocalState {
  const path = files(dir).state;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LocalState) : { slots: {}, history: [] };
}

function writeState(dir: string, state: LocalState): void {
  writeFileSync(files(dir).state, `${JSON.stringify(state, null, 2)}\n`);
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The public port of the environment: the port of its URL, which HAProxy binds on 127.0.0.1. */
function listenPort(env: EnvironmentConfig): number {
  const url = env.url ? new URL(env.url) : undefined;
  if (!url || !['127.0.0.1', 'localhost'].includes(url.hostname) || !url.port) {
    throw new Error(
      `environment ${env.name} uses the local provider, so its url must be http://127.0.0.1:<port> (got ${env.url ?? 'none'}).`,
    );
  }
  return Number(url.port);
}

/** Whether an image reference names a registry on this machine's loopback (127.0.0.1 or localhost, any port). */
function isLoopbackRegistry(image: string): boolean {
  const host = image.split('/', 1)[0].split(':', 1)[0];
  return image.includes('/') && (host === '127.0.0.1' || host === 'localhost');
}

/**
 * The image a release runs: a release manifest's digest whenever the deploy comes from one (CD
 * never runs anything else, whatever local.runtime says), a promoted digest found again in the
 * history for a rollback, else, when the environment runs images, the one the docker target built.
 */
function imageOf(ctx: Omit<ProviderContext, 'run'>, version: string): string | undefined {
  const image = ctx.env.local.image;
  if (!image) return undefined;
  const pushed = ctx.imageFor?.(version) ?? digestFromHistory(ctx, version);
  if (pushed) return pushed;
  if (ctx.env.local.runtime !== 'image') return undefined;
  const path = join(ctx.workspaceRoot, image.file);
  if (!existsSync(path)) {
    throw new Error(
      `environment ${ctx.env.name} runs images, but ${image.file} does not exist: run \`nx run ${ctx.project}:docker\` first, or set local.runtime: process.`,
    );
  }
  // The docker target's record (src/executors/docker: ImageRecord). Its id names exactly the image
  // that was built and tested; a short name like "customercare/backend" does not resolve offline.
  const data = JSON.parse(readFileSync(path, 'utf8')) as { image?: string; id?: string; tags?: string[] };
  const reference = data.id ?? data.tags?.[0] ?? data.image;
  if (!reference)
    throw new Error(
      `${image.file} names no image (no id, tags or image field); rebuild it with \`nx run ${ctx.project}:docker\`.`,
    );
  return reference;
}

/** The image reference a promoted digest ran with (its argv in the history), for rollbacks to it. */
function digestFromHistory(ctx: Omit<ProviderContext, 'run'>, version: string): string | undefined {
  if (!/^sha256:[0-9a-f]{64}$/.test(version)) return undefined;
  const history = readState(stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env)).history;
  return history.find((h) => h.version === version)?.argv.find((part) => part.endsWith(`@${version}`));
}

function releaseArgv(
  ctx: Omit<ProviderContext, 'run'>,
  version: string,
  slot: Slot,
  port: number | string,
): { argv: string[]; container?: string } {
  const image = imageOf(ctx, version);
  const { env } = ctx;
  if (image && env.local.image) {
    const { engine, containerPort, volumes } = env.local.image;
    const container = `${ctx.project}-${env.name}-${slot}`;
    // Rootless podman without /dev/net/tun cannot publish ports: the container shares the host's
    // network and listens on the slot's port itself (see needsHostNetwork).
    const hostNetwork = engine === 'podman' && needsHostNetwork();
    const listen = hostNetwork
      ? { HOST: '127.0.0.1', PORT: String(port) }
      : { HOST: '0.0.0.0', PORT: String(containerPort) };
    const containerEnv = {
      ...withWorkspaceRoot(env.local.env, ctx.workspaceRoot),
      ...env.local.image.env,
      ...listen,
      RELEASE: version,
    };
    return {
      container,
      argv: [
        engine,
        'run',
        '--rm',
        // The loopback registry of the rehearsal speaks plain HTTP (docker allows loopback by itself).
        ...(engine === 'podman' && isLoopbackRegistry(image) ? ['--tls-verify=false'] : []),
        '--name',
        container,
        ...(hostNetwork ? ['--network=host'] : ['-p', `127.0.0.1:${port}:${containerPort}`]),
        ...volumes.flatMap((v) => ['-v', withWorkspaceRoot({ v }, ctx.workspaceRoot).v]),
        ...Object.entries(containerEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        image,
      ],
    };
  }
  return { argv: (env.local.command ?? []).map((part) => withVersion(part, version)) };
}

async function startRelease(
  ctx: ProviderContext,
  dir: string,
  version: string,
  slot: Slot,
  port: number,
): Promise<SlotRelease> {
  const { argv, container } = releaseArgv(ctx, version, slot, port);
  mkdirSync(files(dir).logs, { recursive: true });
  // Bind mounts need their host folder.
  for (const volume of container ? (ctx.env.local.image?.volumes ?? []) : []) {
    mkdirSync(withWorkspaceRoot({ v: volume }, ctx.workspaceRoot).v.split(':')[0], { recursive: true });
  }
  const logPath = join(files(dir).logs, `${slot}-${version}.log`);
  const venvBin = join(ctx.workspaceRoot, '.venv', 'bin');
  ctx.log(`[local] starting ${version} in slot ${slot} on 127.0.0.1:${port}: ${argv.join(' ')}`);
  // Detached: a deployed release outlives the deploy command, like a service would. An image runs
  // through the resolved engine; a `command` is the service's own (python from .venv/bin, which is
  // also first on its PATH).
  let started: StartedCommand | undefined;
  let failure: Error | undefined;
  try {
    started = await starterOf(ctx.run)(argv, {
      cwd: join(ctx.workspaceRoot, ctx.projectRoot),
      env: {
        // podman finds the images the docker target built in the workspace's own storage.
        ...(container ? podmanEnv(ctx.workspaceRoot) : {}),
        PATH: `${venvBin}${delimiter}${process.env.PATH}`,
        ...withWorkspaceRoot(ctx.env.local.env, ctx.workspaceRoot),
        HOST: '127.0.0.1',
        PORT: String(port),
        RELEASE: version,
      },
      logFile: logPath,
      folders: container ? [] : [venvBin],
    });
  } catch (error) {
    failure = error as Error;
  }
  // A release that dies at once (bad command, missing image, port taken) fails here with its own
  // words, instead of after the whole health-check timeout.
  const died = () => {
    const said = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    return new Error(
      `${version} exited as soon as it started (${argv.join(' ')}): ${failure?.message ?? ''}${said ? `\n${said}` : ''}\nFull log: ${logPath}`,
    );
  };
  if (!started) throw died();
  for (let waited = 0; waited < 1_000; waited += 100) {
    await sleep(100);
    if (started.result()) throw died();
  }
  return { version, port, pid: started.pid, container, argv };
}

/** Stops a release: SIGTERM to its process group (it may have children, e.g. `uv run`), SIGKILL after 5 s. */
async function stopRelease(
  run: CommandRunner,
  workspaceRoot: string,
  release: SlotRelease | undefined,
  engine = 'podman',
): Promise<void> {
  if (!release) return;
  // Best effort: a container that is already gone is what we want.
  if (release.container)
    await run([engine, 'rm', '-f', release.container], { cwd: workspaceRoot, env: podmanEnv(workspaceRoot) }).catch(
      () => undefined,
    );
  const pid = release.pid;
  if (!alive(pid)) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-(pid as number), s);
    } catch {
      if (alive(pid)) process.kill(pid as number, s);
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < 5_000 && alive(pid); waited += 100) await sleep(100);
  if (alive(pid)) signal('SIGKILL');
}

/**
 * Each release's scrape target carries its version and slot, and the labels the SLO selector
 * matches (job="backend"), so the generated rules select the releases' series as they select the
 * service's in production.
 */
function writeTargets(ctx: Pick<ProviderContext, 'env'>, dir: string, state: LocalState): void {
  const service = ctx.env.slo ? selectorLabels(ctx.env.slo.spec) : {};
  const targets = SLOTS.flatMap((slot) => {
    const r = state.slots[slot];
    return r ? [{ port: r.port, labels: { ...service, release: r.version, slot } }] : [];
  });
  writeFileSync(files(dir).targets, targetsFile(targets));
}

/** Writes `text` unless the file already holds it; says whether it changed. */
function writeIfChanged(path: string, text: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileSync(path, text);
  return true;
}

/** Starts this environment's HAProxy and Prometheus unless they already run; both outlive the deploy. */
async function ensureInfrastructure(ctx: ProviderContext, dir: string): Promise<LocalState> {
  mkdirSync(dir, { recursive: true });
  const f = files(dir);
  const state = readState(dir);
  const haproxyPid = existsSync(f.haproxyPid) ? Number(readFileSync(f.haproxyPid, 'utf8').trim()) : undefined;
  if (!state.haproxy || !alive(haproxyPid)) {
    const port = listenPort(ctx.env);
    const statsPort = await freePort();
    writeFileSync(
      f.haproxyCfg,
      haproxyConfig({ socket: f.socket, pidFile: f.haproxyPid, port, statsPort, healthPath: ctx.env.health.paths[0] }),
    );
    const started = await ctx
      .run(['haproxy', '-D', '-f', f.haproxyCfg], { cwd: dir })
      .catch((error: Error) => ({ exitCode: -1, stderr: error.message, stdout: '' }));
    if (started.exitCode !== 0) {
      const said = `${started.stderr}${started.stdout}`.trim();
      throw new Error(
        `HAProxy did not start for ${ctx.env.name} on 127.0.0.1:${port}: ${said}. Is the port taken? ${SETUP_FIX}`,
      );
    }
    // A fresh proxy has empty slots: releases recorded by an old one are gone from it.
    state.haproxy = { port, statsPort };
    state.slots = {};
    state.live = undefined;
    await waitFor('HAProxy did not open its runtime socket', 5_000, async () => existsSync(f.socket));
  }
  if (state.haproxy.port !== listenPort(ctx.env)) {
    throw new Error(
      `HAProxy for ${ctx.env.name} listens on 127.0.0.1:${state.haproxy.port}, but the config now says ${ctx.env.url}: ` +
        `stop the environment (nx run ${ctx.project}:deploy:${ctx.env.name} --stop), then deploy again.`,
    );
  }
  // HAProxy's exporter: the environment's Prometheus scrapes its per-slot responses and connection
  // errors beside the releases' own series (the canary analysis reads the releases' recording rules).
  const exporter = await fetch(`http://127.0.0.1:${state.haproxy.statsPort}/metrics`).then(
    (r) => r.text(),
    (e: Error) => e.message,
  );
  if (!exporter.includes('haproxy_server_http_responses_total')) {
    throw new Error(
      `HAProxy's Prometheus exporter does not answer on 127.0.0.1:${state.haproxy.statsPort}/metrics (${exporter.slice(0, 120)}): the local provider needs HAProxy 2.6+ built with it (Debian's is). ${SETUP_FIX}`,
    );
  }
  // The service's rules, generated from its slo.yml as the monitoring target generates them, with
  // the release-level ones (what the canary analysis reads) over this environment's short window.
  // Rewritten on every deploy; a running Prometheus reloads on SIGHUP when they or its config changed.
  const rulesChanged = ctx.env.slo
    ? writeIfChanged(f.rules, renderRules(ctx.env.slo.spec, ctx.env.slo.file, { releaseWindow: ctx.env.slo.window }))
    : false;
  const configChanged = writeIfChanged(
    f.prometheusYml,
    prometheusConfig({
      scrapeIntervalMs: ctx.env.local.scrapeIntervalMs,
      statsPort: state.haproxy.statsPort,
      targetsFile: f.targets,
      rulesFile: ctx.env.slo ? f.rules : undefined,
    }),
  );
  if (state.prometheus && alive(state.prometheus.pid) && (rulesChanged || configChanged)) {
    ctx.log(`[local] Prometheus reloads its ${rulesChanged ? 'rules' : 'config'} (SIGHUP)`);
    process.kill(state.prometheus.pid, 'SIGHUP');
  }
  if (!state.prometheus || !alive(state.prometheus.pid)) {
    const port = await freePort();
    writeTargets(ctx, dir, state);
    mkdirSync(f.logs, { recursive: true });
    const started = await starterOf(ctx.run)(
      [
        'prometheus',
        `--config.file=${f.prometheusYml}`,
        `--storage.tsdb.path=${f.tsdb}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1d',
      ],
      { cwd: dir, logFile: join(f.logs, 'prometheus.log') },
    ).catch((e: Error) => {
      throw new Error(`prometheus could not start: ${e.message} ${SETUP_FIX}`);
    });
    state.prometheus = { port, pid: started.pid };
    await waitFor(
      `Prometheus did not become ready on 127.0.0.1:${port} (see ${join(f.logs, 'prometheus.log')})`,
      20_000,
      async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok,
    );
  }
  writeState(dir, state);
  return state;
}

/** Waits until HAProxy's own health check passes for a slot: weight on a DOWN server would be lost traffic. */
async function waitUp(ctx: ProviderContext, socket: string, slot: Slot): Promise<void> {
  const deadline = Date.now() + ctx.env.health.timeoutMs;
  for (;;) {
    const status = await serverStatus(socket, slot);
    if (status.startsWith('UP')) return;
    if (Date.now() > deadline)
      throw new Error(
        `HAProxy's health check never saw slot ${slot} UP within ${ctx.env.health.timeoutMs} ms (status: ${status})`,
      );
    await sleep(100);
  }
}

function toRelease(slot: Slot, r: SlotRelease): Release {
  return {
    version: r.version,
    id: slot,
    url: `http://127.0.0.1:${r.port}`,
    details: { port: String(r.port), pid: String(r.pid ?? ''), argv: r.argv.join(' ') },
  };
}

async function applyWeights(socket: string, from: Slot | null, to: Slot, percent: number): Promise<void> {
  for (const command of weightCommands(from, to, percent)) await runtimeSet(socket, command);
}

/** Takes a slot out of rotation (weight 0), lets in-flight requests finish, then stops its release. */
async function retire(ctx: ProviderContext, dir: string, state: LocalState, slot: Slot): Promise<void> {
  const socket = files(dir).socket;
  await runtimeSet(socket, `set weight ${BACKEND}/${slot} 0`);
  await sleep(ctx.env.local.drainMs);
  await runtimeSet(socket, `set server ${BACKEND}/${slot} state maint`);
  await stopRelease(ctx.run, ctx.workspaceRoot, state.slots[slot], ctx.env.local.image?.engine);
  delete state.slots[slot];
  writeState(dir, state);
  writeTargets(ctx, dir, state);
}

/**
 * The embedded default: releases as processes (or containers) on loopback in a blue and a green
 * slot behind HAProxy, with Prometheus scraping both and HAProxy's exporter.
 */
export const localProvider: Provider = {
  name: 'local',
  secrets: () => [],
  // The backup must see the database the releases use.
  backupEnv: (ctx) => withWorkspaceRoot(ctx.env.local.env, ctx.workspaceRoot),
  // Reads the environment's state file only: nothing runs in a dry run.
  dryRunStable: (ctx) => localProvider.current(ctx),
  async stop(ctx) {
    const stateDir = stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env);
    await stopLocalEnvironment(stateDir, ctx.workspaceRoot);
    return `its releases, HAProxy and Prometheus (state kept in ${relative(ctx.workspaceRoot, stateDir)})`;
  },
  weightedTraffic: true,

  plan(ctx, request) {
    const stableSlot = (request.stable?.id as Slot | undefined) ?? null;
    const slot: Slot = stableSlot === 'blue' ? 'green' : 'blue';
    const api = (phase: PlannedCommand['phase'], commands: string[]): PlannedCommand[] =>
      commands.map((c) => ({
        phase,
        argv: ['haproxy-runtime-api', ...c.split(' ')],
        note: 'sent to HAProxy over its stats socket',
      }));
    const steps = stableSlot ? ctx.env.steps : [];
    return [
      {
        phase: 'deployCandidate',
        argv: releaseArgv(ctx, request.version, slot, '<port>').argv,
        note: 'started detached with HOST=127.0.0.1 PORT=<port>',
      },
      ...api(
        'deployCandidate',
        slotCommands(slot, 0).map((c) => c.replace(' port 0', ' port <port>')),
      ),
      ...steps.flatMap((s) => api('setTraffic', weightCommands(stableSlot, slot, s.weight))),
      ...api('promote', [
        ...weightCommands(stableSlot, slot, 100),
        ...(stableSlot ? [`set server ${BACKEND}/${stableSlot} state maint`] : []),
      ]),
      ...(stableSlot
        ? api('rollback', [...weightCommands(slot, stableSlot, 100), `set server ${BACKEND}/${slot} state maint`])
        : []),
    ];
  },

  async preflight(ctx) {
    // Found and at a version that works (HAProxy >= 2.6), or a ToolError with the fix.
    for (const tool of ['haproxy', 'prometheus']) executableOf(tool);
    listenPort(ctx.env);
    await ensureInfrastructure(ctx, stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env));
  },

  async current(ctx) {
    const state = readState(stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env));
    const release = state.live && state.slots[state.live];
    return state.live && release ? toRelease(state.live, release) : null;
  },

  async deployCandidate(ctx, version, stable) {
    const dir = stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env);
    const state = readState(dir);
    const slot: Slot = stable?.id === 'blue' ? 'green' : 'blue';
    // A candidate left by an interrupted deploy holds no traffic (weights only move forward after checks): replace it.
    if (state.slots[slot]) await retire(ctx, dir, state, slot);
    const release = await startRelease(ctx, dir, version, slot, await freePort());
    state.slots[slot] = release;
    writeState(dir, state);
    writeTargets(ctx, dir, state);
    for (const command of slotCommands(slot, release.port)) await runtimeSet(files(dir).socket, command);
    return toRelease(slot, release);
  },

  async setTraffic(ctx, stable, candidate, weight) {
    const socket = files(stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env)).socket;
    await waitUp(ctx, socket, candidate.id as Slot);
    await applyWeights(socket, (stable?.id as Slot) ?? null, candidate.id as Slot, weight);
  },

  async promote(ctx, stable, candidate) {
    const dir = stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env);
    const state = readState(dir);
    const slot = candidate.id as Slot;
    await waitUp(ctx, files(dir).socket, slot);
    await applyWeights(files(dir).socket, (stable?.id as Slot) ?? null, slot, 100);
    state.live = slot;
    const running = state.slots[slot] as SlotRelease;
    state.history = [
      { version: running.version, argv: running.argv, at: new Date().toISOString() },
      ...state.history.filter((h) => h.version !== running.version),
    ].slice(0, 20);
    writeState(dir, state);
    if (stable) await retire(ctx, dir, state, stable.id as Slot);
  },

  async rollback(ctx, to, from) {
    const dir = stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env);
    const socket = files(dir).socket;
    let state = readState(dir);
    const fromSlot = from ? (from.id as Slot) : null;
    if (to) {
      let toSlot = SLOTS.find((slot) => state.slots[slot]?.version === to.version && alive(state.slots[slot]?.pid));
      if (!toSlot) {
        // A manual rollback to a release that no longer runs: start it in the other slot and check it first.
        toSlot = fromSlot === 'blue' ? 'green' : 'blue';
        if (state.slots[toSlot]) await retire(ctx, dir, state, toSlot);
        state = readState(dir);
        const release = await startRelease(ctx, dir, to.version, toSlot, await freePort());
        state.slots[toSlot] = release;
        writeState(dir, state);
        writeTargets(ctx, dir, state);
        // HAProxy may count a server leaving maintenance as UP before its first check: only put the
        // release in rotation once it answers its health checks itself.
        const health = await waitHealthy(
          `http://127.0.0.1:${release.port}`,
          ctx.env.health.paths,
          ctx.env.health.timeoutMs,
        );
        const unhealthy = health.find((r) => !r.passed);
        if (unhealthy) {
          await retire(ctx, dir, state, toSlot);
          throw new Error(
            `${to.version} did not become healthy, so traffic stays on ${from?.version ?? 'the current release'}: ${unhealthy.check}: ${unhealthy.detail}`,
          );
        }
        for (const command of slotCommands(toSlot, release.port)) await runtimeSet(socket, command);
      }
      await waitUp(ctx, socket, toSlot);
      await applyWeights(socket, fromSlot, toSlot, 100);
      state.live = toSlot;
      writeState(dir, state);
    }
    if (fromSlot && state.slots[fromSlot]) await retire(ctx, dir, state, fromSlot);
  },

  exited(ctx, release) {
    const dir = stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env);
    const running = readState(dir).slots[release.id as Slot];
    if (!running || running.version !== release.version || alive(running.pid)) return null;
    const logPath = join(files(dir).logs, `${release.id}-${release.version}.log`);
    const said = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    return `its process (pid ${running.pid}) has ended${said ? `; the last lines of its log:\n${said}` : ''}\nFull log: ${logPath}`;
  },

  async history(ctx) {
    const state = readState(stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env));
    return state.history.map((h) => ({
      version: h.version,
      id: 'history',
      details: { argv: h.argv.join(' '), promotedAt: h.at },
    }));
  },

  metrics(ctx, release) {
    const state = readState(stateDirOf(ctx.workspaceRoot, ctx.project, ctx.env));
    if (!state.prometheus) return undefined;
    return {
      prometheus: `http://127.0.0.1:${state.prometheus.port}`,
      appSelector: `release="${release.version}",slot="${release.id}"`,
    };
  },
};

/** Stops everything the local provider started for one environment (tests, `nx run <p>:rollback --teardown`). */
export async function stopLocalEnvironment(stateDir: string, workspaceRoot = process.cwd()): Promise<void> {
  if (!existsSync(stateDir)) return;
  const state = readState(stateDir);
  const run = createRunner(() => undefined, []);
  for (const slot of SLOTS) await stopRelease(run, workspaceRoot, state.slots[slot]);
  const f = files(stateDir);
  const haproxyPid = existsSync(f.haproxyPid) ? Number(readFileSync(f.haproxyPid, 'utf8').trim()) : undefined;
  for (const pid of [haproxyPid, state.prometheus?.pid]) {
    if (alive(pid)) process.kill(pid as number, 'SIGTERM');
  }
  for (let waited = 0; waited < 5_000 && [haproxyPid, state.prometheus?.pid].some(alive); waited += 100)
    await sleep(100);
  writeState(stateDir, { slots: {}, history: state.history });
}

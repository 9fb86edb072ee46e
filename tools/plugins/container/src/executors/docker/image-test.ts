import { logger } from '@nx/devkit';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { minimatch } from 'minimatch';
import type { GateResult } from '@customercare/nx-core';
import type { ExecCheck, ImageTestOptions, SmokeCheck } from '../../plugins/containerfile';
import { capture, captureOk } from '@customercare/nx-core';
import type { ContainerEngine, ImageFacts } from './engines/engine';
import { needsHostNetwork } from './engines/podman';
import { gitleaksImage, trivyImage, type VulnerabilityScan } from './image-scan';
import { scanFilesystem, type SecretFinding } from './secrets';
import { freePort } from '@customercare/nx-core';

export const DEFAULT_MAX_SIZE_MB = 500;
/** Consecutive failed HEALTHCHECK runs that make an image unhealthy (Docker's default --retries). */
const HEALTHCHECK_RUNS = 3;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_S = 10;
const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SETUP_FIX = 'Run `npm run setup` (tools/scripts/setup.d/60-podman.sh).';

export interface ImageTestReport {
  image: string;
  sizeMb: number;
  maxSizeMb: number;
  user: { configured: string; runtimeUid: number | null };
  smoke: Array<SmokeCheck & { got: number | null; passed: boolean; detail?: string }>;
  /** The `exec` checks, run in the ready container after the smoke requests. */
  exec: Array<ExecCheck & { exitCode: number | null; passed: boolean; detail?: string }>;
  readyAfterMs: number | null;
  /** The image's own HEALTHCHECK, run once after readiness: none when the image has none. */
  healthcheck: 'healthy' | 'unhealthy' | 'none' | 'not run';
  stop: { seconds: number; exitCode: number | null; clean: boolean } | null;
  /** The name and content rules of secrets.ts, and gitleaks with the source scan's rules. */
  secrets: SecretFinding[];
  /** trivy over the image filesystem, or why it did not run (optional: its database is not reachable everywhere). */
  vulnerabilities: VulnerabilityScan;
  /** Set when the container shared the host's network instead of publishing its port (rootless podman). */
  network?: string;
}

export interface ImageTestRequest {
  engine: ContainerEngine;
  image: ImageFacts;
  project: string;
  options: ImageTestOptions & { secretsAllow?: string[] };
  cwd: string;
  reportPath: string;
}

/** `root`, `0`, `0:0`, `root:root` and an empty USER all mean the process runs as root. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0].trim();
  return name === '' || name === 'root' || name === '0';
}

/** Replaces `{random}` in test environment values with a fresh token (e.g. a SECRET_KEY). */
export function expandTestEnv(
  env: Record<string, string>,
  random: () => string = () => randomBytes(32).toString('base64url'),
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, value.replace(/\{random\}/g, () => random())]),
  );
}

/**
 * Runs the image on loopback and checks it the way production will use it: it becomes ready,
 * answers the smoke requests, runs as a non-root user, stops cleanly on SIGTERM (an init as PID 1),
 * stays within its size budget, and carries no credentials in its filesystem.
 */
export async function testImage(request: ImageTestRequest): Promise<{ report: ImageTestReport; gates: GateResult[] }> {
  const { engine, image, options, cwd } = request;
  const sizeMb = Number((image.sizeBytes / 1e6).toFixed(1));
  const maxSizeMb = options.maxSizeMb ?? DEFAULT_MAX_SIZE_MB;
  const report: ImageTestReport = {
    image: image.id,
    sizeMb,
    maxSizeMb,
    user: { configured: image.user, runtimeUid: null },
    smoke: [],
    exec: [],
    readyAfterMs: null,
    healthcheck: 'not run',
    stop: null,
    secrets: [],
    vulnerabilities: { status: 'not run', tool: 'trivy', reason: 'the image scan did not run' },
  };

  if (options.port) await runAndProbe(request, options.port, report);
  const reportsDir = dirname(join(cwd, request.reportPath));
  const scanned = await scanImage(engine, image.id, options.secretsAllow ?? [], reportsDir, cwd);
  report.secrets = scanned.secrets;
  report.vulnerabilities = scanned.vulnerabilities;

  const gate = (
    name: string,
    measured: GateResult['measured'],
    threshold: GateResult['threshold'],
    passed: boolean,
    reason?: string,
  ): GateResult => ({
    project: request.project,
    gate: name,
    measured,
    threshold,
    passed,
    report: request.reportPath,
    ...(passed || !reason ? {} : { reason }),
  });
  const runsAsRoot = isRootUser(image.user) || report.user.runtimeUid === 0;
  const gates: GateResult[] = [
    gate(
      'image-size',
      sizeMb,
      maxSizeMb,
      sizeMb <= maxSizeMb,
      `the image is ${sizeMb} MB, over its ${maxSizeMb} MB budget: drop build tools and caches from the final stage, or raise \`# nx-pipeline: size-budget\``,
    ),
    gate(
      'image-user',
      report.user.runtimeUid ?? (image.user || 'root'),
      'non-root',
      !runsAsRoot,
      `the image runs as root (USER ${JSON.stringify(image.user || '(unset)')}${report.user.runtimeUid === 0 ? ', uid 0 at run time' : ''}): add a system user and \`USER <uid>\` in the final stage`,
    ),
    gate(
      'image-secrets',
      report.secrets.length,
      0,
      report.secrets.length === 0,
      `credentials in the image: ${report.secrets.map((f) => `${f.path}${f.line ? `:${f.line}` : ''} (${f.rule})`).join(', ')}. Remove them from the build context (.containerignore) and pass secrets at run time`,
    ),
  ];
  const vulnerabilities = report.vulnerabilities;
  if (vulnerabilities.status === 'ran') {
    const { critical, high } = vulnerabilities.counts;
    gates.push(
      gate(
        'image-vulnerabilities',
        critical,
        0,
        critical === 0,
        `trivy found ${critical} critical (and ${high} high) vulnerabilities in the image: update the base image or the packages named in ${request.reportPath}`,
      ),
    );
  } else {
    logger.warn(`image scan ${request.project}: trivy not run: ${vulnerabilities.reason}`);
  }
  if (options.port) {
    const checks = report.smoke.length + (options.exec?.length ?? 0);
    const passedSmoke = [...report.smoke, ...report.exec].filter((check) => check.passed).length;
    const smokeOk =
      report.readyAfterMs !== null &&
      passedSmoke === checks &&
      report.healthcheck !== 'unhealthy' &&
      (report.stop?.clean ?? false);
    const failed = [
      ...report.smoke
        .filter((check) => !check.passed)
        .map(
          (check) =>
            `${check.method} ${check.path} got ${check.got ?? 'no answer'}${check.detail ? ` (${check.detail})` : ''}`,
        ),
      ...report.exec
        .filter((check) => !check.passed)
        .map((check) => `\`${check.argv.join(' ')}\` in the container ${check.detail}`),
    ];
    gates.push(
      gate(
        'image-smoke',
        `${passedSmoke}/${checks}`,
        `${checks}/${checks}`,
        smokeOk,
        report.readyAfterMs === null
          ? `not ready on ${options.ready ?? '/'} within ${READY_TIMEOUT_MS / 1000} s (its log is above)`
          : failed.length > 0
            ? failed.join('; ')
            : report.healthcheck === 'unhealthy'
              ? "the image's own HEALTHCHECK reports it unhealthy while the smoke requests pass: fix the HEALTHCHECK command"
              : `did not stop cleanly on SIGTERM within ${STOP_TIMEOUT_S} s (exit ${report.stop?.exitCode}): run an init (tini) as PID 1 and let the server handle SIGTERM`,
      ),
    );
  }
  return { report, gates };
}

async function runAndProbe(request: ImageTestRequest, containerPort: number, report: ImageTestReport): Promise<void> {
  const { engine, image, options, cwd } = request;
  const name = `nx-image-test-${request.project}-${randomBytes(4).toString('hex')}`;
  const hostPort = await freePort();
  const hostNetwork = engine.name === 'podman' && needsHostNetwork();
  if (hostNetwork) report.network = 'host (rootless podman without /dev/net/tun: the image listens on $PORT)';
  await captureOk(
    engine.run(
      { image: image.id, name, hostPort, containerPort, env: expandTestEnv(options.env ?? {}), hostNetwork },
      cwd,
    ),
    SETUP_FIX,
  );
  const base = `http://127.0.0.1:${hostPort}`;
  try {
    const started = Date.now();
    report.readyAfterMs = await waitReady(`${base}${options.ready ?? '/'}`, started);
    if (report.readyAfterMs === null) {
      const logs = await capture(engine.logs(name, cwd), SETUP_FIX);
      logger.error(`image test: ${image.id.slice(7, 19)} was not ready; its log:\n${logs.stdout}${logs.stderr}`);
      return;
    }
    for (const check of options.smoke ?? []) report.smoke.push({ ...check, ...(await smoke(base, check)) });
    for (const check of options.exec ?? []) {
      const ran = await capture(engine.exec(name, check.argv, cwd), SETUP_FIX);
      const output = `${ran.stdout}${ran.stderr}`.trim();
      const passed = ran.exitCode === 0 && (check.contains === undefined || output.includes(check.contains));
      report.exec.push({
        ...check,
        exitCode: ran.exitCode,
        passed,
        ...(passed
          ? {}
          : {
              detail:
                ran.exitCode === 0
                  ? `printed ${JSON.stringify(output.slice(0, 200))}, without ${JSON.stringify(check.contains)}`
                  : `exited ${ran.exitCode}: ${output.split('\n').slice(-2).join(' ').slice(0, 300)}`,
            }),
      });
    }
    if (engine.healthcheck) {
      // podman: 0 healthy, 1 unhealthy, 125 with "has no defined healthcheck". Up to three runs, as
      // HEALTHCHECK --retries=3 judges: one check that timed out on a loaded machine (the backend's
      // python -c with --timeout=3s, at load average 30) is not an unhealthy image.
      for (let attempt = 1; attempt <= HEALTHCHECK_RUNS; attempt++) {
        const health = await capture(engine.healthcheck(name, cwd), SETUP_FIX);
        report.healthcheck =
          health.exitCode === 0 ? 'healthy' : /no defined healthcheck/i.test(health.stderr) ? 'none' : 'unhealthy';
        if (report.healthcheck !== 'unhealthy') break;
      }
    }
    // `env` with a standard PATH: an image's own PATH may not list where its coreutils live.
    const uid = await capture(engine.exec(name, ['env', `PATH=${STANDARD_PATH}`, 'id', '-u'], cwd), SETUP_FIX);
    report.user.runtimeUid = uid.exitCode === 0 ? Number(uid.stdout.trim()) : null;
    if (uid.exitCode !== 0)
      logger.warn(
        `image test: \`id -u\` failed in the container (exit ${uid.exitCode}: ${uid.stderr.trim()}); judging the user by USER alone.`,
      );
    const stopStarted = Date.now();
    await captureOk(engine.stop(name, STOP_TIMEOUT_S, cwd), SETUP_FIX);
    const seconds = (Date.now() - stopStarted) / 1000;
    const exit = await capture(engine.exitCode(name, cwd), SETUP_FIX);
    const exitCode = exit.exitCode === 0 ? Number(exit.stdout.trim()) : null;
    // Killed after the grace period shows as 137 (SIGKILL); a handled SIGTERM exits 0.
    report.stop = { seconds: Number(seconds.toFixed(2)), exitCode, clean: exitCode === 0 && seconds < STOP_TIMEOUT_S };
  } finally {
    await capture(engine.remove(name, cwd), SETUP_FIX);
  }
}

async function waitReady(url: string, started: number): Promise<number | null> {
  while (Date.now() - started < READY_TIMEOUT_MS) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return Date.now() - started;
    } catch {
      // Not listening yet: the next try comes after a short pause.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

async function smoke(
  base: string,
  check: SmokeCheck,
): Promise<{ got: number | null; passed: boolean; detail?: string }> {
  try {
    const response = await fetch(`${base}${check.path}`, {
      method: check.method,
      ...(check.body !== undefined ? { body: check.body, headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== check.status)
      return { got: response.status, passed: false, detail: `expected ${check.status}` };
    if (check.contains !== undefined && !text.includes(check.contains)) {
      return { got: response.status, passed: false, detail: `body lacks ${JSON.stringify(check.contains)}` };
    }
    return { got: response.status, passed: true };
  } catch (error) {
    return { got: null, passed: false, detail: (error as Error).message };
  }
}

/**
 * Scans the image's filesystem: for credentials (the name and content rules of secrets.ts, and
 * gitleaks with the source scan's rules) and for known vulnerabilities (trivy, where it runs).
 * Mounted in place where the engine can (rootful podman: no copy of a few hundred megabytes), else
 * exported from a created container.
 */
async function scanImage(
  engine: ContainerEngine,
  image: string,
  allow: string[],
  reportsDir: string,
  cwd: string,
): Promise<{ secrets: SecretFinding[]; vulnerabilities: VulnerabilityScan }> {
  mkdirSync(join(cwd, 'tmp'), { recursive: true });
  const work = mkdtempSync(join(cwd, 'tmp', 'image-fs-'));
  const scan = async (rootfs: string) => {
    const own = scanFilesystem(rootfs, { allow });
    const leaks = (await gitleaksImage(rootfs, work, cwd)).filter(
      (leak) => !allow.some((glob) => minimatch(leak.path, glob, { dot: true })),
    );
    // trivy's full report stays beside image-test.json (reports/<projectRoot>/docker/trivy-image.json).
    return { secrets: [...own, ...leaks], vulnerabilities: await trivyImage(rootfs, reportsDir, cwd) };
  };
  try {
    if (engine.mountImage && engine.unmountImage && process.getuid?.() === 0) {
      const mounted = await capture(engine.mountImage(image, cwd), SETUP_FIX);
      if (mounted.exitCode === 0 && mounted.stdout.trim()) {
        try {
          return await scan(mounted.stdout.trim());
        } finally {
          await capture(engine.unmountImage(image, cwd), SETUP_FIX);
        }
      }
    }
    const name = `nx-image-scan-${randomBytes(4).toString('hex')}`;
    try {
      await captureOk(engine.create(image, name, cwd), SETUP_FIX);
      const tarball = join(work, 'fs.tar');
      await captureOk(engine.exportFs(name, tarball, cwd), SETUP_FIX);
      const rootfs = join(work, 'rootfs');
      mkdirSync(rootfs);
      // Device nodes and ownership do not matter to a scan; --no-same-owner keeps the extraction unprivileged.
      await captureOk(
        {
          label: 'tar',
          command: 'tar',
          args: [
            '--extract',
            '--file',
            tarball,
            '--directory',
            rootfs,
            '--no-same-owner',
            '--no-same-permissions',
            '--exclude=./dev/*',
          ],
          cwd,
        },
        SETUP_FIX,
      );
      rmSync(tarball);
      return await scan(rootfs);
    } finally {
      await capture(engine.remove(name, cwd), SETUP_FIX);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

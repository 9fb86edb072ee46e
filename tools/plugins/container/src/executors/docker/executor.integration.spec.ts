import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import { executableOf } from '@customercare/nx-core';
import dockerExecutor, { type ImageRecord } from './executor';
import type { ImageTestReport } from './image-test';
import type { DockerExecutorSchema } from './schema';
import { registryDigest, startLocalRegistry, type LocalRegistry } from '../../registry/local-registry';
import { readReleaseManifest, writeManifestFromReports } from '../../release/manifest';
import { executorContext } from '@customercare/nx-core/testing';

// Real podman, real nx-container, a real registry (crane registry serve on loopback): the executor end to end on images of a few
// megabytes, built on a busybox base imported from the machine (no debootstrap, no registry pull).
const WORKSPACE_ROOT = join(__dirname, '../../../../../..');
const BASE = 'localhost/nx-pipeline-test/busybox:1';
const IMAGE_PREFIX = 'nx-pipeline-test';

function sh(command: string, args: string[], cwd: string): string {
  // jest gives each test file its own process.env; children get the real one unless passed it.
  const result = spawnSync(executableOf(command), args, { cwd, encoding: 'utf8', env: process.env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A rootfs of one static busybox, with a passwd that has an unprivileged user. */
function importBusyboxBase(work: string): void {
  const rootfs = join(work, 'busybox-rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  for (const applet of ['sh', 'env', 'httpd', 'id', 'kill', 'sleep', 'wget'])
    symlinkSync('busybox', join(rootfs, 'bin', applet));
  write(rootfs, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n');
  write(rootfs, 'etc/group', 'root:x:0:\napp:x:1000:\n');
  sh('tar', ['--create', '--file', join(work, 'busybox.tar'), '--directory', rootfs, '.'], work);
  sh('podman', ['import', '--change', 'ENV PATH=/bin', join(work, 'busybox.tar'), BASE], work);
}

// A shell as PID 1 that handles SIGTERM, as an init would: `stop` must not need SIGKILL.
// $PORT when the image test shares the host network (rootless podman without /dev/net/tun), else 8080.
const SERVE = `CMD ["/bin/sh", "-c", "trap 'kill $pid; exit 0' TERM; httpd -f -p \${PORT:-8080} -h /www & pid=$!; wait $pid"]`;

function containerfile(extra: string[], user = 'USER 1000:1000'): string {
  return [`FROM ${BASE}`, 'COPY www/ /www/', ...extra, user, 'EXPOSE 8080', SERVE, ''].join('\n');
}

function project(root: string, name: string, file: string, extraFiles: Record<string, string> = {}): void {
  write(root, `apps/${name}/project.json`, JSON.stringify({ name }));
  write(root, `apps/${name}/Containerfile`, file);
  write(root, `apps/${name}/www/index.html`, '<h1>hello from the image</h1>\n');
  for (const [path, content] of Object.entries(extraFiles)) write(root, `apps/${name}/${path}`, content);
}

const context = (root: string, name: string) => executorContext(root, name, `apps/${name}`, 'docker');

function options(name: string, overrides: Partial<DockerExecutorSchema> = {}): DockerExecutorSchema {
  return {
    engine: 'podman',
    file: `apps/${name}/Containerfile`,
    context: `apps/${name}`,
    image: `${IMAGE_PREFIX}/${name}`,
    test: {
      port: 8080,
      ready: '/index.html',
      smoke: [{ method: 'GET', path: '/index.html', status: 200, contains: 'hello from the image' }],
      exec: [{ argv: ['busybox', 'cat', '/www/index.html'], contains: 'hello from the image' }],
      maxSizeMb: 20,
    },
    ...overrides,
  };
}

function gates(root: string, name: string): Record<string, GateResult> {
  const results = JSON.parse(
    readFileSync(join(root, 'reports/apps', name, 'docker/gate-results.json'), 'utf8'),
  ) as GateResult[];
  return Object.fromEntries(results.map((result) => [result.gate, result]));
}

const record = (root: string, name: string) =>
  JSON.parse(readFileSync(join(root, 'reports/apps', name, 'docker/image.json'), 'utf8')) as ImageRecord;

describe('docker executor (podman, nx-container, registry)', () => {
  let root: string;
  let sha: string;
  const saved = { ...process.env };

  beforeAll(() => {
    const conf = join(WORKSPACE_ROOT, '.cache/containers/containers.conf');
    if (!existsSync(conf))
      throw new Error(`${conf} is missing: run \`npm run setup\` (tools/scripts/setup.d/60-podman.sh) first.`);
    // The fixture workspace has no podman config of its own: use the repository's (runc, cgroupfs, storage).
    process.env['CONTAINERS_CONF'] = conf;
    process.env['CONTAINERS_STORAGE_CONF'] = join(WORKSPACE_ROOT, '.cache/containers/storage.conf');
    root = mkdtempSync(join(tmpdir(), 'nx-docker-'));
    importBusyboxBase(root);
    project(
      root,
      'web',
      containerfile([
        'HEALTHCHECK CMD ["/bin/sh", "-c", "wget -q -O /dev/null http://127.0.0.1:${PORT:-8080}/index.html"]',
      ]),
    );
    project(root, 'rooted', containerfile([], ''));
    const key = ['-----BEGIN', 'OPENSSH PRIVATE', 'KEY-----'].join(' ');
    // And one only gitleaks' rules know (a Stripe key), built here so that no literal is in the source.
    const stripe = ['sk', 'live', randomBytes(12).toString('hex')].join('_');
    project(root, 'leaky', containerfile(['COPY deploy/ /opt/deploy/']), {
      'deploy/id_deploy': `${key}\nb3BlbnNzaC1rZXktdjEAAAAA\n`,
      'deploy/payments.py': `STRIPE_KEY = "${stripe}"\n`,
    });
    // The repository's gitleaks config (its path allowlist included), as the image scan uses it there.
    mkdirSync(join(root, 'security'), { recursive: true });
    copyFileSync(join(WORKSPACE_ROOT, 'security/gitleaks.toml'), join(root, 'security/gitleaks.toml'));
    // As in a real workspace: what builds write is not part of the repository.
    write(root, '.gitignore', 'node_modules/\nreports/\ntmp/\n');
    sh('git', ['init', '--quiet', '--initial-branch=main'], root);
    sh('git', ['add', '.'], root);
    sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'fixture'], root);
    sha = sh('git', ['rev-parse', 'HEAD'], root).trim();
  });

  afterAll(() => {
    // Every image this file built carries its fixture workspace as the OCI source label, tagged or not.
    const built = sh(
      'podman',
      ['images', '--quiet', '--filter', `label=org.opencontainers.image.source=file://${root}`],
      WORKSPACE_ROOT,
    );
    const ids = [...new Set(built.split('\n').filter(Boolean))];
    if (ids.length > 0) spawnSync(executableOf('podman'), ['rmi', '--force', ...ids], { env: process.env });
    spawnSync(executableOf('podman'), ['rmi', '--force', BASE], { env: process.env });
    rmSync(root, { recursive: true, force: true });
    process.env = saved;
  });

  it('builds through nx-container, records id and metadata tags, and passes the image test', async () => {
    await expect(dockerExecutor(options('web'), context(root, 'web'))).resolves.toEqual({ success: true });
    const image = record(root, 'web');
    expect(image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.tags).toEqual(
      expect.arrayContaining([
        `localhost/${IMAGE_PREFIX}/web:sha-${sha.slice(0, 7)}`,
        `localhost/${IMAGE_PREFIX}/web:main`,
      ]),
    );
    expect(image.labels['org.opencontainers.image.revision']).toBe(sha);
    expect(image.labels['org.opencontainers.image.title']).toBe('web');
    const results = gates(root, 'web');
    // (plus image-vulnerabilities where trivy runs: checked below)
    expect(
      Object.keys(results)
        .filter((gate) => gate !== 'image-vulnerabilities')
        .sort(),
    ).toEqual(['image-secrets', 'image-size', 'image-smoke', 'image-user']);
    expect(Object.values(results).every((gate) => gate.passed)).toBe(true);
    expect(results['image-user'].measured).toBe(1000);
    const report = JSON.parse(
      readFileSync(join(root, 'reports/apps/web/docker/image-test.json'), 'utf8'),
    ) as ImageTestReport;
    expect(report.healthcheck).toBe('healthy');
    expect(report.exec).toEqual([
      { argv: ['busybox', 'cat', '/www/index.html'], contains: 'hello from the image', exitCode: 0, passed: true },
    ]);
    expect(results['image-smoke'].measured).toBe('2/2');
    expect(report.stop?.clean).toBe(true);
    // trivy is optional (its database is not reachable everywhere): reported as not run, never as a passed gate.
    if (report.vulnerabilities.status === 'not run') expect(results['image-vulnerabilities']).toBeUndefined();
    else expect(results['image-vulnerabilities'].measured).toBe(report.vulnerabilities.counts.critical);
  });

  it('fails when a command the image needs is missing, naming it', async () => {
    const missing = options('web', {
      test: { ...options('web').test, exec: [{ argv: ['pg_dump', '--version'], contains: 'PostgreSQL' }] },
    });
    await expect(dockerExecutor(missing, context(root, 'web'))).resolves.toEqual({ success: false });
    const results = gates(root, 'web');
    expect(results['image-smoke']).toMatchObject({ passed: false, measured: '1/2', threshold: '2/2' });
    expect(results['image-smoke'].reason).toMatch(/^`pg_dump --version` in the container exited 127: /);
  });

  it('fails on a root user', async () => {
    await expect(dockerExecutor(options('rooted'), context(root, 'rooted'))).resolves.toEqual({ success: false });
    const results = gates(root, 'rooted');
    expect(results['image-user']).toMatchObject({ passed: false, measured: 0 });
    expect(results['image-user'].reason).toContain('runs as root');
    expect(results['image-smoke'].passed).toBe(true);
  });

  it('fails on a secret in the image filesystem, naming the file', async () => {
    await expect(dockerExecutor(options('leaky'), context(root, 'leaky'))).resolves.toEqual({ success: false });
    const results = gates(root, 'leaky');
    // The (truncated) private key by the image's own rules; the Stripe key by gitleaks (the source scan's rules).
    expect(results['image-secrets']).toMatchObject({ passed: false, measured: 2 });
    expect(results['image-secrets'].reason).toContain('/opt/deploy/id_deploy:1 (private-key)');
    expect(results['image-secrets'].reason).toContain('/opt/deploy/payments.py:1 (gitleaks:stripe-access-token)');
  });

  it('fails above the size budget', async () => {
    await expect(dockerExecutor(options('web', { test: { maxSizeMb: 0.5 } }), context(root, 'web'))).resolves.toEqual({
      success: false,
    });
    expect(gates(root, 'web')['image-size']).toMatchObject({ passed: false, threshold: 0.5 });
  });

  describe('push', () => {
    let registry: LocalRegistry;
    let address: string;

    beforeAll(async () => {
      registry = await startLocalRegistry();
      address = registry.address;
    });

    afterAll(async () => {
      await registry.stop();
    });

    it('pushes every tag, pulls it back, and the digests match the registry', async () => {
      process.env['CONTAINER_REGISTRY'] = address;
      process.env['CONTAINER_REGISTRY_TLS_VERIFY'] = 'false';
      await expect(dockerExecutor(options('web', { push: true }), context(root, 'web'))).resolves.toEqual({
        success: true,
      });
      const { pushed } = record(root, 'web');
      if (!pushed) throw new Error('image.json has no "pushed" section after a push');
      expect(pushed.pushed.map((p) => p.ref)).toEqual(
        expect.arrayContaining([`${address}/web:main`, `${address}/web:sha-${sha.slice(0, 7)}`]),
      );
      const first = pushed.pushed[0];
      expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      // Recorded by digest, and that digest is what the registry serves (asked with crane, not computed here).
      const served = await registryDigest(`${address}/web:main`, { insecure: true, cwd: root });
      expect(pushed.digest).toBe(served);
      expect(pushed.repository).toBe(`${address}/web`);
      expect(pushed.reference).toBe(`${address}/web@${served}`);
      for (const ref of pushed.pushed) expect(ref.digest).toBe(served);

      // The release manifest of this commit names the same digest, read back through its reader
      // (from web's reports only: the other fixtures' failed gates are under reports/ too).
      const out = join(root, 'release-manifest.json');
      writeManifestFromReports({
        workspaceRoot: root,
        reportsDir: join(root, 'reports/apps/web'),
        out,
        commit: sha,
        projects: ['web'],
      });
      const manifest = readReleaseManifest(out);
      expect(manifest.projects['web'].image).toBe(`${address}/web@${served}`);
      expect(
        manifest.gates
          .map((gate) => gate.gate)
          .filter((gate) => gate !== 'image-vulnerabilities')
          .sort(),
      ).toEqual(['image-push', 'image-secrets', 'image-size', 'image-smoke', 'image-user']);
      expect(pushed.pulled.id).toBe(record(root, 'web').id);
      expect(pushed.pulled.digests).toContain(first.digest);
      for (const ref of pushed.pushed) expect(ref.registryDigest).toBe(ref.digest);
      expect(pushed.matches).toBe(true);
      expect(gates(root, 'web')['image-push'].passed).toBe(true);
    });

    it('says which variable to set when no registry is named', async () => {
      delete process.env['CONTAINER_REGISTRY'];
      // On GitHub Actions the registry defaults to the repository's GHCR namespace.
      delete process.env['GITHUB_ACTIONS'];
      await expect(dockerExecutor(options('web', { push: true }), context(root, 'web'))).rejects.toThrow(
        'push: CONTAINER_REGISTRY is not set',
      );
    });
  });

  it('tags a v* release with its semver, as CI does on a tag push', async () => {
    // A tag on an earlier commit, checked out detached: the git context then reads the ref as refs/tags/v1.4.2.
    sh('git', ['tag', 'v1.4.2'], root);
    write(root, 'apps/web/www/later.html', 'later\n');
    sh('git', ['add', '.'], root);
    sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'later'], root);
    sh('git', ['checkout', '--quiet', '--detach', 'v1.4.2'], root);
    try {
      await expect(dockerExecutor(options('web', { skipTest: true }), context(root, 'web'))).resolves.toEqual({
        success: true,
      });
      const image = record(root, 'web');
      expect(image.tags).toEqual(
        expect.arrayContaining([`localhost/${IMAGE_PREFIX}/web:1.4.2`, `localhost/${IMAGE_PREFIX}/web:1.4`]),
      );
      expect(image.labels['org.opencontainers.image.version']).toBe('1.4.2');
    } finally {
      sh('git', ['checkout', '--quiet', 'main'], root);
    }
  });
});

/**
 * The docker target as a user runs it, on the real backend image: the real nx CLI in a copy of this
 * workspace, the debootstrap base (built once per package list: the copy uses the checkout's podman
 * storage, so every run on a machine shares one base build), nx-container on podman, and the image
 * test on loopback. It is the one test that builds a real image; the failure paths (root user,
 * planted secret, size budget) and the push round trip are tested on busybox images in
 * tools/plugins/container/src/executors/docker/executor.spec.ts.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, git, nx, WORKSPACE_ROOT } from './workspace-copy';

interface GateResult {
  gate: string;
  passed: boolean;
}

describe('nx run backend:docker', () => {
  let root: string;
  // podman's config and storage come from the checkout (the copy links only its .cache/bin, where uv is).
  const conf = join(WORKSPACE_ROOT, '.cache/containers');
  const env = {
    CONTAINERS_CONF: join(conf, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(conf, 'storage.conf'),
  };

  beforeAll(() => {
    if (!existsSync(env.CONTAINERS_CONF)) {
      throw new Error(
        `${env.CONTAINERS_CONF} is missing: run \`npm run setup\` (tools/scripts/setup.d/60-podman.sh) first.`,
      );
    }
    root = copyWorkspace();
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds the image on the local base, passes its image test, and is a cache hit the second time', () => {
    const first = nx(root, ['run', 'backend:docker', '--outputStyle=static'], env);
    if (first.status !== 0) throw new Error(`nx run backend:docker failed:\n${first.stdout}\n${first.stderr}`);

    const reports = join(root, 'reports/apps/backend/docker');
    const image = JSON.parse(readFileSync(join(reports, 'image.json'), 'utf8')) as {
      id: string;
      tags: string[];
      buildArgs: string[];
      labels: Record<string, string>;
    };
    const sha = git(root, 'rev-parse', 'HEAD').trim();
    expect(image.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.tags).toEqual(
      expect.arrayContaining([
        `localhost/customercare/backend:sha-${sha.slice(0, 7)}`,
        'localhost/customercare/backend:main',
      ]),
    );
    expect(image.labels['org.opencontainers.image.revision']).toBe(sha);
    expect(image.buildArgs).toEqual([
      expect.stringMatching(/^BASE_IMAGE=localhost\/customercare\/base-python:bookworm-[0-9a-f]{12}$/),
    ]);
    const gates = JSON.parse(readFileSync(join(reports, 'gate-results.json'), 'utf8')) as GateResult[];
    expect(gates.map((g) => [g.gate, g.passed])).toEqual([
      ['image-size', true],
      ['image-user', true],
      ['image-secrets', true],
      ['image-smoke', true],
    ]);
    const test = JSON.parse(readFileSync(join(reports, 'image-test.json'), 'utf8')) as {
      healthcheck: string;
      stop: { clean: boolean };
    };
    expect(test).toMatchObject({ healthcheck: 'healthy', stop: { clean: true } });

    const second = nx(root, ['run', 'backend:docker', '--outputStyle=static'], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/\[local cache\]|existing outputs match the cache/);
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import {
  createReleaseManifest,
  readAllGateResults,
  readPublishedImages,
  readReleaseManifest,
  writeManifestFromReports,
  verifyReleaseManifest,
  writeReleaseManifest,
  type PublishedImage,
} from './manifest';

const COMMIT = '4f1c2d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const REGISTRY = '127.0.0.1:5000/acme/customercare';

const backend: PublishedImage = {
  project: 'backend',
  record: 'reports/apps/backend/docker/image.json',
  registry: REGISTRY,
  repository: `${REGISTRY}/backend`,
  digest: DIGEST,
  tags: [`${REGISTRY}/backend:sha-4f1c2d0`],
  version: '0.1.0',
};
const passed: GateResult = {
  project: 'backend',
  gate: 'image-push',
  measured: DIGEST,
  threshold: DIGEST,
  passed: true,
  report: 'reports/apps/backend/docker/image.json',
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'release-manifest-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('createReleaseManifest', () => {
  it('names each image by its registry digest, with the commit and the gates that passed', () => {
    const manifest = createReleaseManifest({
      commit: COMMIT,
      createdAt: new Date('2026-12-03T09:30:00Z'),
      images: [backend],
      gates: [passed],
    });
    expect(manifest).toEqual({
      schemaVersion: 1,
      commit: COMMIT,
      createdAt: '2026-12-03T09:30:00.000Z',
      registry: REGISTRY,
      projects: {
        backend: {
          image: `${REGISTRY}/backend@${DIGEST}`,
          repository: `${REGISTRY}/backend`,
          digest: DIGEST,
          version: '0.1.0',
          tags: [`${REGISTRY}/backend:sha-4f1c2d0`],
        },
      },
      gates: [passed],
    });
  });

  it('refuses when a gate failed, naming the gate, its reason and report', () => {
    const failed = { ...passed, gate: 'image-size', passed: false, reason: '300 MB > 275 MB' };
    expect(() =>
      createReleaseManifest({ commit: COMMIT, createdAt: new Date(), images: [backend], gates: [passed, failed] }),
    ).toThrow(
      `Refusing to write a release manifest for ${COMMIT}:\n  - gate backend image-size failed: 300 MB > 275 MB (reports/apps/backend/docker/image.json)`,
    );
  });

  it('refuses an image without a registry digest, naming its record and the fix', () => {
    const unpushed = {
      ...backend,
      project: 'frontend',
      record: 'reports/apps/frontend/docker/image.json',
      digest: null,
    };
    expect(() =>
      createReleaseManifest({ commit: COMMIT, createdAt: new Date(), images: [backend, unpushed], gates: [passed] }),
    ).toThrow(
      'frontend has no registry digest in reports/apps/frontend/docker/image.json: its docker target did not push it (run it with --configuration=ci and CONTAINER_REGISTRY set)',
    );
  });

  it('refuses no images, no gates, a short SHA and two registries', () => {
    expect(() => createReleaseManifest({ commit: 'abc1234', createdAt: new Date(), images: [], gates: [] })).toThrow(
      [
        'Refusing to write a release manifest for abc1234:',
        '  - the commit must be a full 40-hex git SHA, got "abc1234"',
        '  - no pushed image: run the docker target with --configuration=ci (it pushes) before writing the manifest',
        '  - no gate results: a pipeline that measured nothing did not pass (run the gate targets first)',
      ].join('\n'),
    );
    const elsewhere = {
      ...backend,
      project: 'frontend',
      registry: 'ghcr.io/acme',
      repository: 'ghcr.io/acme/frontend',
    };
    expect(() =>
      createReleaseManifest({ commit: COMMIT, createdAt: new Date(), images: [backend, elsewhere], gates: [passed] }),
    ).toThrow(`the images were pushed to different registries: ${REGISTRY}, ghcr.io/acme`);
  });
});

describe('writeReleaseManifest and readReleaseManifest', () => {
  const manifest = () =>
    createReleaseManifest({ commit: COMMIT, createdAt: new Date(), images: [backend], gates: [passed] });

  it('round-trips a manifest', () => {
    const written = manifest();
    const file = writeReleaseManifest(join(dir, 'out', 'release-manifest.json'), written);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(written);
    expect(readReleaseManifest(file)).toEqual(written);
  });

  it('names every problem of an invalid manifest with its JSON pointer', () => {
    const file = join(dir, 'release-manifest.json');
    const bad = manifest();
    bad.projects['backend'].digest = 'sha256:abc';
    (bad as { schemaVersion: number }).schemaVersion = 2;
    writeFileSync(file, JSON.stringify(bad));
    expect(() => readReleaseManifest(file)).toThrow(
      `${file} is not a valid release manifest (schema tools/plugins/container/src/release/release-manifest.schema.json):\n` +
        '  - /schemaVersion must be equal to constant\n' +
        '  - /projects/backend/digest must match pattern "^sha256:[0-9a-f]{64}$"',
    );
  });

  it('refuses an image that is not repository@digest, and a failed gate', () => {
    const file = join(dir, 'release-manifest.json');
    const bad = manifest();
    bad.projects['backend'].image = `${REGISTRY}/other@${DIGEST}`;
    writeFileSync(file, JSON.stringify(bad));
    expect(() => readReleaseManifest(file)).toThrow(
      `/projects/backend/image is ${REGISTRY}/other@${DIGEST}, not repository@digest (${REGISTRY}/backend@${DIGEST})`,
    );
    const failed = manifest();
    failed.gates[0].passed = false;
    expect(() => writeReleaseManifest(file, failed)).toThrow('  - /gates/0/passed must be equal to constant');
  });

  it('says where the manifest comes from when there is none, and names a file that is not JSON', () => {
    expect(() => readReleaseManifest(join(dir, 'missing.json'))).toThrow(
      'CI writes it on pushes to main (artifact release-manifest-<sha>)',
    );
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(() => readReleaseManifest(join(dir, 'broken.json'))).toThrow(
      `${join(dir, 'broken.json')} is not valid JSON`,
    );
  });
});

describe('reading the reports', () => {
  it('finds the pushed images with their project versions, and every gate result', () => {
    mkdirSync(join(dir, 'apps/backend'), { recursive: true });
    writeFileSync(join(dir, 'apps/backend/pyproject.toml'), '[project]\nname = "backend"\nversion = "1.2.3"\n');
    mkdirSync(join(dir, 'apps/frontend'), { recursive: true });
    writeFileSync(join(dir, 'apps/frontend/package.json'), '{"name":"frontend","version":"4.5.6"}');
    const reports = join(dir, 'reports');
    const pushed = {
      registry: REGISTRY,
      repository: `${REGISTRY}/backend`,
      digest: DIGEST,
      matches: true,
      pushed: [{ ref: `${REGISTRY}/backend:main` }],
    };
    mkdirSync(join(reports, 'apps/backend/docker'), { recursive: true });
    writeFileSync(join(reports, 'apps/backend/docker/image.json'), JSON.stringify({ project: 'backend', pushed }));
    writeFileSync(join(reports, 'apps/backend/docker/gate-results.json'), JSON.stringify([passed]));
    mkdirSync(join(reports, 'apps/frontend/docker'), { recursive: true });
    writeFileSync(join(reports, 'apps/frontend/docker/image.json'), JSON.stringify({ project: 'frontend' }));

    expect(readPublishedImages(dir, reports)).toEqual([
      { ...backend, tags: [`${REGISTRY}/backend:main`], version: '1.2.3' },
      {
        project: 'frontend',
        record: 'reports/apps/frontend/docker/image.json',
        registry: null,
        repository: null,
        digest: null,
        tags: [],
        version: '4.5.6',
      },
    ]);
    expect(readAllGateResults(reports)).toEqual([passed]);

    // The CLI's path: only the named projects; an unpushed one refuses, a missing one is named.
    const out = join(dir, 'release-manifest.json');
    const now = new Date('2026-12-03T10:00:00Z');
    const written = writeManifestFromReports({
      workspaceRoot: dir,
      reportsDir: reports,
      out,
      commit: COMMIT,
      projects: ['backend'],
      now,
    });
    expect(readReleaseManifest(out)).toEqual(written);
    expect(written.projects).toEqual({
      backend: {
        image: `${REGISTRY}/backend@${DIGEST}`,
        repository: `${REGISTRY}/backend`,
        digest: DIGEST,
        version: '1.2.3',
        tags: [`${REGISTRY}/backend:main`],
      },
    });
    expect(() =>
      writeManifestFromReports({ workspaceRoot: dir, reportsDir: reports, out, commit: COMMIT, now }),
    ).toThrow('frontend has no registry digest in reports/apps/frontend/docker/image.json');
    expect(() =>
      writeManifestFromReports({
        workspaceRoot: dir,
        reportsDir: reports,
        out,
        commit: COMMIT,
        projects: ['backend', 'api'],
      }),
    ).toThrow(`Refusing to write a release manifest for ${COMMIT}: no docker/image.json for api under reports/`);
  });
});

describe('verifyReleaseManifest', () => {
  const manifest = () =>
    createReleaseManifest({ commit: COMMIT, createdAt: new Date(), images: [backend], gates: [passed] });

  it('passes when the registry serves every image at its digest, and names each one it does not', async () => {
    const asked: string[] = [];
    await verifyReleaseManifest(manifest(), { insecure: true, cwd: dir }, async (ref) => {
      asked.push(ref);
      return DIGEST;
    });
    expect(asked).toEqual([`${REGISTRY}/backend@${DIGEST}`]);
    await expect(
      verifyReleaseManifest(manifest(), { insecure: true, cwd: dir }, async () => {
        throw new Error('MANIFEST_UNKNOWN');
      }),
    ).rejects.toThrow(
      `The registry does not serve the manifest's images (push them again: nx run <project>:docker --configuration=ci --skip-nx-cache):\n  - backend: ${REGISTRY}/backend@${DIGEST} could not be read from the registry: MANIFEST_UNKNOWN`,
    );
  });
});

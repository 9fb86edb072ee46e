#!/usr/bin/env node
// Writes the release manifest of one commit (docs/release-manifest.md): every image the docker
// targets pushed, by the digest the registry returned (reports/<projectRoot>/docker/image.json), the
// project versions, and every gate result under the reports folder. Refuses (exit 1, every reason
// listed) when a gate failed, an image was not pushed, or nothing was measured.
//
//   node tools/scripts/release-manifest.mjs [--reports reports] [--out release-manifest.json]
//        [--commit <40-hex sha>] [--projects backend,frontend] [--verify]
//
// The commit defaults to $GITHUB_SHA, else `git rev-parse HEAD`. --verify then asks the registry
// (crane digest) for every image by its digest and fails when one is not served (images from the Nx
// cache name an earlier push); CONTAINER_REGISTRY_TLS_VERIFY=false for a plain-HTTP registry.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
require('@swc-node/register');
const {
  RELEASE_MANIFEST_FILE,
  verifyReleaseManifest,
  writeManifestFromReports,
} = require('@customercare/nx-container/lib.ts');
const { captureOk } = require('@customercare/nx-core/src/process/run.ts');

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: 'reports' },
    out: { type: 'string', default: RELEASE_MANIFEST_FILE },
    commit: { type: 'string' },
    projects: { type: 'string' },
    verify: { type: 'boolean', default: false },
  },
  strict: true,
});
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

try {
  const commit =
    values.commit ||
    process.env.GITHUB_SHA ||
    (
      await captureOk(
        { label: 'git rev-parse', command: 'git', args: ['rev-parse', 'HEAD'], cwd: workspaceRoot },
        'Pass --commit <sha>.',
      )
    ).trim();
  const out = resolve(values.out);
  const manifest = writeManifestFromReports({
    workspaceRoot,
    reportsDir: resolve(values.reports),
    out,
    commit,
    projects: values.projects ? values.projects.split(',').filter(Boolean) : undefined,
  });
  if (values.verify) {
    const insecure = process.env.CONTAINER_REGISTRY_TLS_VERIFY === 'false';
    await verifyReleaseManifest(manifest, { insecure, cwd: workspaceRoot }).catch((error) => {
      rmSync(out, { force: true });
      throw error;
    });
  }
  console.log(`release manifest for ${manifest.commit} -> ${values.out}${values.verify ? ' (verified)' : ''}`);
  for (const [project, image] of Object.entries(manifest.projects)) {
    console.log(`  ${project} ${image.version ?? '(no version)'} ${image.image}`);
  }
  console.log(`  ${manifest.gates.length} gate result(s), all passed`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

import { isAbsolute, join } from 'node:path';
import { readReleaseManifest } from '@customercare/nx-container/lib';
import { DeployConfigError, type EnvironmentConfig } from './config';
import {
  checkPromotion,
  craneRunner,
  fileLedger,
  insecureRegistry,
  registryLedger,
  splitImage,
  type PromotionLedger,
} from './ledger';

/** One project's release out of a release manifest (docs/release-manifest.md): what CD deploys. */
export interface ManifestRelease {
  project: string;
  /** `<repository>@sha256:<hex>`: the only thing that runs. */
  image: string;
  /** The release's name everywhere in the deploy (history, labels, reports): its digest. */
  digest: string;
  commit: string;
  manifest: string;
}

export function releaseFromManifest(workspaceRoot: string, file: string, project: string): ManifestRelease {
  const path = isAbsolute(file) ? file : join(workspaceRoot, file);
  const manifest = readReleaseManifest(path);
  const entry = manifest.projects[project];
  if (!entry) {
    throw new DeployConfigError(
      `${file} has no image for ${project} (it lists: ${Object.keys(manifest.projects).join(', ') || 'none'}): ` +
        `CI pushes and records an image for each project whose docker target ran on that commit.`,
    );
  }
  splitImage(entry.image);
  return { project, image: entry.image, digest: entry.digest, commit: manifest.commit, manifest: file };
}

/** The environment's ledger store (deploy.yml `promotion`): the image's registry by default, else a file. */
export function ledgerFor(
  env: EnvironmentConfig,
  project: string,
  workspaceRoot: string,
  image: string,
): PromotionLedger {
  if (env.promotion.ledger === 'file') {
    const file = env.promotion.file ?? join('tmp', 'deploy', 'ledger', `${project}.json`);
    return fileLedger(isAbsolute(file) ? file : join(workspaceRoot, file));
  }
  return registryLedger(craneRunner(workspaceRoot, insecureRegistry(image)));
}

/**
 * Before anything moves: an environment that requires others deploys only a manifest's digest,
 * and only one each required environment passed. Throws a PromotionError naming the digest and
 * the environment it never passed.
 */
export async function checkRelease(
  env: EnvironmentConfig,
  project: string,
  release: ManifestRelease | undefined,
  ledger: PromotionLedger | undefined,
): Promise<void> {
  if (!env.requires.length) return;
  if (!release || !ledger) {
    throw new DeployConfigError(
      `${env.name} requires ${env.requires.join(', ')} to have passed the same image digest, so it deploys only from a release manifest: ` +
        `pass --manifest=<release-manifest.json> (CI publishes it as the release-manifest-<sha> artifact).`,
    );
  }
  await checkPromotion(ledger, { project, environment: env.name, requires: env.requires, image: release.image });
}

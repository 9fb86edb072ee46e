import { logger } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureOk } from '@customercare/nx-core';
import type { ContainerEngine } from './engines/engine';

const SETUP_FIX = 'Run `npm run setup` (tools/scripts/setup.d/60-podman.sh).';

export interface PushedRef {
  ref: string;
  /** From the engine's push. */
  digest: string;
  /** What the registry's API serves for the ref; null when it wants credentials we do not have. */
  registryDigest: string | null;
}

export interface PushReport {
  registry: string;
  /** `<registry>/<project>`: where every tag went. */
  repository: string;
  /** The manifest digest the registry returned for the push (podman --digestfile / the engine's RepoDigests). */
  digest: string;
  /** `<repository>@<digest>`: the reference to deploy (docs/release-manifest.md). */
  reference: string;
  pushed: PushedRef[];
  /** The first ref pulled back after dropping it locally: its image id and manifest digests. */
  pulled: { ref: string; id: string; digests: string[] };
  matches: boolean;
}

/** `<registry>/<project>`, e.g. `ghcr.io/acme/customercare/backend`: one repository per deployable project. */
export function registryRepository(registry: string, project: string): string {
  return `${registry.replace(/\/+$/, '')}/${project}`;
}

/** `localhost/customercare/backend:sha-1a2b3c4` pushed for project backend -> `<registry>/backend:sha-1a2b3c4`. */
export function registryRef(registry: string, project: string, localTag: string): string {
  const slash = localTag.lastIndexOf('/');
  const colon = localTag.lastIndexOf(':');
  const tag = colon > slash ? localTag.slice(colon + 1) : 'latest';
  return `${registryRepository(registry, project)}:${tag}`;
}

/** `127.0.0.1:5000/customercare/backend:main` -> the registry API URL of that manifest. */
export function manifestUrl(ref: string, tlsVerify: boolean): string {
  const slash = ref.indexOf('/');
  const host = ref.slice(0, slash);
  const rest = ref.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const [repository, tag] = colon > 0 ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, 'latest'];
  return `${tlsVerify ? 'https' : 'http'}://${host}/v2/${repository}/manifests/${tag}`;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/**
 * Pushes every tag of the image to the registry, then proves the round trip: drops the local
 * registry tag, pulls it back, and compares the pulled digest with the pushed one and with the
 * digest the registry's own API serves for it.
 */
export async function pushAndVerify(request: {
  engine: ContainerEngine;
  project: string;
  imageId: string;
  localTags: string[];
  registry: string;
  tlsVerify: boolean;
  cwd: string;
  workDir: string;
}): Promise<PushReport> {
  const { engine, cwd } = request;
  if (request.localTags.length === 0)
    throw new Error('push: the image has no tags to push (nx-container produced none: check the `tags` rules).');
  const pushed: PushedRef[] = [];
  for (const [index, tag] of request.localTags.entries()) {
    const ref = registryRef(request.registry, request.project, tag);
    await captureOk(engine.tag(request.imageId, ref, cwd), SETUP_FIX);
    const digestFile = join(request.workDir, `digest-${index}`);
    logger.info(`push: ${ref}`);
    await captureOk(
      engine.push(ref, digestFile, request.tlsVerify, cwd),
      `Check that ${request.registry} is reachable and that you are logged in (\`${engine.name} login\`).`,
    );
    const digest = await pushedDigest(engine, ref, digestFile, cwd);
    pushed.push({ ref, digest, registryDigest: await fetchManifestDigest(manifestUrl(ref, request.tlsVerify)) });
  }
  const first = pushed[0];
  await captureOk(engine.removeImage(first.ref, cwd), SETUP_FIX);
  await captureOk(engine.pull(first.ref, request.tlsVerify, cwd), SETUP_FIX);
  const pulled = engine.parseInspect(await captureOk(engine.inspectImage(first.ref, cwd), SETUP_FIX));
  const repository = registryRepository(request.registry, request.project);
  const digests = pulled.repoDigests.filter((d) => d.startsWith(`${repository}@`)).map((d) => d.split('@')[1]);
  return {
    registry: request.registry,
    repository,
    digest: first.digest,
    reference: `${repository}@${first.digest}`,
    pushed,
    pulled: { ref: first.ref, id: pulled.id, digests },
    // The same image (its id is the digest of its config) under the manifest that was pushed,
    // every tag pushed as that one manifest, and the registry serving each at the digest its push reported.
    matches:
      pulled.id === request.imageId &&
      digests.includes(first.digest) &&
      pushed.every((p) => p.digest === first.digest && (p.registryDigest === null || p.registryDigest === p.digest)),
  };
}

async function pushedDigest(engine: ContainerEngine, ref: string, digestFile: string, cwd: string): Promise<string> {
  if (engine.name === 'podman') return readFileSync(digestFile, 'utf8').trim();
  const facts = engine.parseInspect(await captureOk(engine.inspectImage(ref, cwd), SETUP_FIX));
  const repository = ref.slice(0, ref.lastIndexOf(':'));
  return facts.repoDigests.find((d) => d.startsWith(`${repository}@`))?.split('@')[1] ?? '';
}

/** The registry's Docker-Content-Digest for a manifest, or null when the registry needs credentials we do not have here. */
async function fetchManifestDigest(url: string): Promise<string | null> {
  const response = await fetch(url, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`push: the registry answered ${response.status} for ${url} right after the push`);
  return response.headers.get('docker-content-digest');
}

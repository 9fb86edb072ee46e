/** What other plugins use from @customercare/nx-container (`@customercare/nx-container/lib`); the package's main is its inference only. */
/** What the deploy plugin's local provider shares with the image test: how podman reaches loopback. */
export { needsHostNetwork, podmanEnv } from './src/executors/docker/engines/podman';
/** The release manifest CI writes and CD reads (docs/release-manifest.md). */
export {
  createReleaseManifest,
  readAllGateResults,
  readPublishedImages,
  readReleaseManifest,
  ReleaseManifestError,
  RELEASE_MANIFEST_FILE,
  writeManifestFromReports,
  writeReleaseManifest,
  verifyReleaseManifest,
  type PublishedImage,
  type ReleaseImage,
  type ReleaseManifest,
} from './src/release/manifest';
/** The loopback OCI registry of the push tests and the local rehearsal, and what a registry serves. */
export { registryDigest, startLocalRegistry, type LocalRegistry } from './src/registry/local-registry';

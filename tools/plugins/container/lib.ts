/** What other plugins use from @customercare/nx-container (`@customercare/nx-container/lib`); the package's main is its inference only. */
/** What the deploy plugin's local provider shares with the image test: how podman reaches loopback. */
export { needsHostNetwork, podmanEnv } from './src/executors/docker/engines/podman';

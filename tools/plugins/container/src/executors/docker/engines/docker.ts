import { dockerLikeEngine } from './engine';

/** docker: needs a reachable daemon and buildx (nx-container builds with `docker buildx build --load`). */
export const docker = dockerLikeEngine('docker');

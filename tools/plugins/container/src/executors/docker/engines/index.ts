import { docker } from './docker';
import type { ContainerEngine, EngineName } from './engine';
import { podman } from './podman';

export type EngineChoice = EngineName | 'auto';

export function engineNamed(name: EngineName): ContainerEngine {
  return name === 'docker' ? docker : podman;
}

/** What `auto` looks at: whether a docker daemon answers and has buildx, and whether podman exists. */
export interface EngineProbe {
  dockerDaemon: boolean;
  dockerBuildx: boolean;
  podman: boolean;
}

/**
 * `auto` picks docker with buildx where a daemon answers (a developer's laptop, a hosted CI
 * runner), else podman (daemonless: this machine). An explicit choice is checked, not guessed.
 */
export function resolveEngine(choice: EngineChoice, probe: EngineProbe): ContainerEngine {
  if (choice === 'docker' || (choice === 'auto' && probe.dockerDaemon && probe.dockerBuildx)) {
    if (!probe.dockerDaemon) {
      throw new Error(
        'engine "docker": no docker daemon answers (`docker info` failed). Start Docker, or set `engine: podman` (or `auto`).',
      );
    }
    if (!probe.dockerBuildx) {
      throw new Error(
        'engine "docker": buildx is missing (`docker buildx version` failed); nx-container builds with buildx. Install the buildx plugin, or set `engine: podman`.',
      );
    }
    return docker;
  }
  if (!probe.podman) {
    throw new Error(
      'No container engine: podman is not installed and no docker daemon with buildx answers. Run `npm run setup` (tools/scripts/setup.d/60-podman.sh installs podman and runc), or start Docker.',
    );
  }
  return podman;
}

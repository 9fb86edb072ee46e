import Ajv from 'ajv';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { GATE_RESULTS_FILE, readPyproject, schemaProblems, type GateResult } from '@customercare/nx-core';
import { registryDigest } from '../registry/local-registry';
import schema from './release-manifest.schema.json';

/** The file name CI uploads (as the artifact `release-manifest-<sha>`) and CD reads. */
export const RELEASE_MANIFEST_FILE = 'release-manifest.json';
export const RELEASE_MANIFEST_SCHEMA = 'tools/plugins/container/src/release/release-manifest.schema.json';

/** One deployable project's image, by the digest its registry returned on push. */
export interface ReleaseImage {
  /** `<repository>@<digest>`: what CD deploys. */
  image: string;
  /** `<registry>/<project>`. */
  repository: string;
  /** `sha256:<64 hex>`. */
  digest: string;
  /** The project's version (pyproject.toml or package.json), null when it declares none. */
  version: string | null;
  /** The tag references pushed with it (informational). */
  tags: string[];
}

/** What CI built, pushed and checked for one commit (docs/release-manifest.md). */
export interface ReleaseManifest {
  schemaVersion: 1;
  commit: string;
  createdAt: string;
  registry: string;
  projects: Record<string, ReleaseImage>;
  /** Every gate result of the commit's pipeline; all passed. */
  gates: GateResult[];
}

/** A pushed image as the docker target records it in image.json (see executors/docker/push.ts). */
export interface PublishedImage {
  project: string;
  /** Where its image.json is, for messages. */
  record: string;
  registry: string | null;
  repository: string | null;
  digest: string | null;
  tags: string[];
  version: string | null;
}

export class ReleaseManifestError extends Error {
  override name = 'ReleaseManifestError';
}

const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile<ReleaseManifest>(schema);

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The manifest for one commit, or an error listing every reason it must not exist: a failed gate,
 * an image without a registry digest, images pushed to different registries, nothing measured.
 */
export function createReleaseManifest(input: {
  commit: string;
  createdAt: Date;
  images: PublishedImage[];
  gates: GateResult[];
}): ReleaseManifest {
  const problems: string[] = [];
  if (!/^[0-9a-f]{40}$/.test(input.commit))
    problems.push(`the commit must be a full 40-hex git SHA, got "${input.commit}"`);
  if (input.images.length === 0)
    problems.push(
      'no pushed image: run the docker target with --configuration=ci (it pushes) before writing the manifest',
    );
  if (input.gates.length === 0)
    problems.push('no gate results: a pipeline that measured nothing did not pass (run the gate targets first)');
  for (const gate of input.gates.filter((g) => !g.passed)) {
    problems.push(`gate ${gate.project} ${gate.gate} failed: ${gate.reason ?? 'see the report'} (${gate.report})`);
  }
  for (const image of input.images) {
    if (!image.digest || !DIGEST.test(image.digest) || !image.repository) {
      problems.push(
        `${image.project} has no registry digest in ${image.record}: its docker target did not push it (run it with --configuration=ci and CONTAINER_REGISTRY set)`,
      );
    }
  }
  const registries = [...new Set(input.images.map((i) => i.registry).filter((r): r is string => !!r))];
  if (registries.length > 1) problems.push(`the images were pushed to different registries: ${registries.join(', ')}`);
  if (problems.length > 0) {
    throw new ReleaseManifestError(
      `Refusing to write a release manifest for ${input.commit}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const projects: Record<string, ReleaseImage> = {};
  for (const image of [...input.images].sort((a, b) => a.project.localeCompare(b.project))) {
    const repository = image.repository as string;
    const digest = image.digest as string;
    projects[image.project] = {
      image: `${repository}@${digest}`,
      repository,
      digest,
      version: image.version,
      tags: [...image.tags],
    };
  }
  return {
    schemaVersion: 1,
    commit: input.commit,
    createdAt: input.createdAt.toISOString(),
    registry: registries[0],
    projects,
    gates: input.gates
      .map((gate) => ({ ...gate }))
      .sort((a, b) => a.project.localeCompare(b.project) || a.gate.localeCompare(b.gate)),
  };
}

/** The problems of a parsed manifest: its schema, then what a schema cannot say. Empty when valid. */
export function releaseManifestProblems(data: unknown): string[] {
  if (!validate(data)) return schemaProblems(validate.errors).split('\n');
  const problems: string[] = [];
  for (const [project, entry] of Object.entries(data.projects)) {
    if (entry.image !== `${entry.repository}@${entry.digest}`)
      problems.push(
        `  - /projects/${project}/image is ${entry.image}, not repository@digest (${entry.repository}@${entry.digest})`,
      );
  }
  return problems;
}

/** Writes the manifest (validated first, so nothing invalid is ever written). Returns the path. */
export function writeReleaseManifest(file: string, manifest: ReleaseManifest): string {
  const problems = releaseManifestProblems(manifest);
  if (problems.length > 0)
    throw new ReleaseManifestError(`Refusing to write an invalid release manifest to ${file}:\n${problems.join('\n')}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}

/**
 * Reads and validates a release manifest: the one way CD reads what CI produced. Throws one error
 * naming the file and every problem.
 */
export function readReleaseManifest(file: string): ReleaseManifest {
  if (!existsSync(file)) {
    throw new ReleaseManifestError(
      `No release manifest at ${file}. CI writes it on pushes to main (artifact release-manifest-<sha>); ` +
        'locally: `node tools/scripts/release-manifest.mjs` after the docker targets pushed.',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReleaseManifestError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const problems = releaseManifestProblems(data);
  if (problems.length > 0) {
    throw new ReleaseManifestError(
      `${file} is not a valid release manifest (schema ${RELEASE_MANIFEST_SCHEMA}):\n${problems.join('\n')}`,
    );
  }
  return data as ReleaseManifest;
}

/** Every gate-results.json under a folder, or an error naming each unreadable file. */
export function readAllGateResults(reportsDir: string): GateResult[] {
  const problems: string[] = [];
  const results: GateResult[] = [];
  for (const path of filesNamed(reportsDir, GATE_RESULTS_FILE)) {
    try {
      const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (!Array.isArray(data)) problems.push(`${path}: expected an array of gate results`);
      else results.push(...(data as GateResult[]));
    } catch (error) {
      problems.push(`${path}: not valid JSON (${(error as Error).message})`);
    }
  }
  if (problems.length > 0) throw new ReleaseManifestError(`Unreadable gate results:\n  - ${problems.join('\n  - ')}`);
  return results;
}

/**
 * The images the docker targets recorded under `<reportsDir>/<projectRoot>/docker/image.json`, with
 * what they pushed (null digest when they did not push) and each project's version.
 */
export function readPublishedImages(workspaceRoot: string, reportsDir: string): PublishedImage[] {
  return filesNamed(reportsDir, 'image.json')
    .filter((path) => path.endsWith(`${sep}docker${sep}image.json`))
    .map((path) => {
      const record = JSON.parse(readFileSync(path, 'utf8')) as {
        project: string;
        pushed?: {
          registry: string;
          repository?: string;
          digest?: string;
          matches: boolean;
          pushed: { ref: string }[];
        };
      };
      const projectRoot = relative(reportsDir, dirname(dirname(path)));
      const pushed = record.pushed?.matches ? record.pushed : undefined;
      return {
        project: record.project,
        record: relative(workspaceRoot, path),
        registry: pushed?.registry ?? null,
        repository: pushed?.repository ?? null,
        digest: pushed?.digest ?? null,
        tags: pushed?.pushed.map((p) => p.ref) ?? [],
        version: projectVersion(workspaceRoot, projectRoot),
      };
    });
}

/** `[project].version` of the project's pyproject.toml, else `version` of its package.json, else null. */
export function projectVersion(workspaceRoot: string, projectRoot: string): string | null {
  if (existsSync(join(workspaceRoot, projectRoot, 'pyproject.toml'))) {
    const version = readPyproject(workspaceRoot, join(projectRoot, 'pyproject.toml')).version;
    if (version) return version;
  }
  const packageJson = join(workspaceRoot, projectRoot, 'package.json');
  if (existsSync(packageJson)) {
    const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version;
    if (typeof version === 'string') return version;
  }
  return null;
}

function filesNamed(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file === name || file.endsWith(`${sep}${name}`))
    .sort()
    .map((file) => join(dir, file));
}

/**
 * What `node tools/scripts/release-manifest.mjs` does: the pushed images under `reportsDir` (only
 * `projects` when given, each of which must be there) and every gate result there, written as the
 * commit's manifest to `out`. Throws ReleaseManifestError with every reason it refuses.
 */
export function writeManifestFromReports(request: {
  workspaceRoot: string;
  reportsDir: string;
  out: string;
  commit: string;
  projects?: string[];
  now?: Date;
}): ReleaseManifest {
  let images = readPublishedImages(request.workspaceRoot, request.reportsDir);
  if (request.projects) {
    const wanted = new Set(request.projects);
    const missing = request.projects.filter((project) => !images.some((image) => image.project === project));
    if (missing.length > 0) {
      throw new ReleaseManifestError(
        `Refusing to write a release manifest for ${request.commit}: no docker/image.json for ${missing.join(', ')} under ${relative(request.workspaceRoot, request.reportsDir) || '.'}/ (run \`nx run <project>:docker --configuration=ci\` for each first).`,
      );
    }
    images = images.filter((image) => wanted.has(image.project));
  }
  const manifest = createReleaseManifest({
    commit: request.commit,
    createdAt: request.now ?? new Date(),
    images,
    gates: readAllGateResults(request.reportsDir),
  });
  writeReleaseManifest(request.out, manifest);
  return manifest;
}

/**
 * Asks the registry for every image of the manifest by its digest (`crane digest <repository>@<digest>`)
 * and throws, naming each, when one is missing or served under another digest: a manifest whose
 * images came from the Nx cache still names digests that exist.
 */
export async function verifyReleaseManifest(
  manifest: ReleaseManifest,
  options: { insecure: boolean; cwd: string },
  digestOf: (ref: string) => Promise<string> = (ref) => registryDigest(ref, options),
): Promise<void> {
  const problems: string[] = [];
  for (const [project, entry] of Object.entries(manifest.projects)) {
    try {
      const served = await digestOf(entry.image);
      if (served !== entry.digest) problems.push(`${project}: ${entry.image} is served as ${served}`);
    } catch (error) {
      problems.push(`${project}: ${entry.image} could not be read from the registry: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new ReleaseManifestError(
      `The registry does not serve the manifest's images (push them again: nx run <project>:docker --configuration=ci --skip-nx-cache):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

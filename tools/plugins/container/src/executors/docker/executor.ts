import { logger, type ExecutorContext } from '@nx/devkit';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import { readPyproject } from '@customercare/nx-core';
import { executableOf, formatCommand, runTool } from '@customercare/nx-core';
import { formatGateLine, writeGateResults } from '@customercare/nx-core';
import { executorTools, resolveTool } from '@customercare/nx-core';
import { baseImageTags } from '../base-image/commands';
import { readBaseDefinitions } from '../base-image/definitions';
import { projectOf } from '@customercare/nx-core';
import { capture, captureOk } from '@customercare/nx-core';
import { resolveEngine, type EngineChoice } from './engines';
import type { ContainerEngine, ImageFacts } from './engines/engine';
import { podmanEnv } from './engines/podman';
import { testImage } from './image-test';
import { DEFAULT_TAG_RULES, nxContainerOptions, nxContainerOutputDir, nxContainerRunnerCommand } from './nx-container';
import { pushAndVerify, type PushReport } from './push';
import {
  contextPaths,
  normalizeMtimes,
  parsePythonTarget,
  parseWorkspacePackages,
  PYTHON_TARGET_PROBE,
  uvExportCommand,
  uvExportWorkspaceCommand,
  uvInstallCommands,
} from './python-context';
import type { DockerExecutorSchema } from './schema';

const SETUP_FIX =
  'Run `npm run setup` (tools/scripts/setup.d/60-podman.sh installs podman and runc; setup.sh installs uv).';
export const IMAGE_RECORD = 'image.json';
export const IMAGE_TEST_REPORT = 'image-test.json';

/** What a run produced, for the deploy target and for anyone reading the cache: the one source of truth about the image. */
export interface ImageRecord {
  project: string;
  engine: string;
  image: string;
  id: string;
  digest: string | null;
  tags: string[];
  labels: Record<string, string>;
  sizeBytes: number;
  buildArgs: string[];
  context: string;
  pushed?: PushReport;
}

export default async function dockerExecutor(
  options: DockerExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const cwd = context.root;
  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'docker');
  const reports = join(cwd, reportsDirectory);
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  // nx-container spawns the engine itself, with this process's environment.
  Object.assign(process.env, podmanEnv(cwd));

  const registry = options.push ? pushRegistry(options.registryEnv ?? 'CONTAINER_REGISTRY') : null;
  const engine = resolveEngine(options.engine ?? 'auto', await probeEngines(options.engine ?? 'auto', cwd));
  const baseArgs = await baseImageArgs(options, engine, cwd);
  const buildArgs = [...baseArgs, ...(options.buildArgs ?? [])];
  const contextDir =
    options.context === 'python'
      ? await stagePythonContext(name, root, engine, baseArgs, options.buildArgs ?? [], cwd)
      : (options.context ?? root);
  includeFiles(options, contextDir, cwd);

  const image = options.image ?? `customercare/${name}`;
  const outputDir = nxContainerOutputDir(cwd, name);
  rmSync(outputDir, { recursive: true, force: true });
  const build = nxContainerRunnerCommand({
    workspaceRoot: cwd,
    project: name,
    projectRoot: root,
    options: nxContainerOptions({
      engine: engine.nxContainerEngine,
      file: options.file,
      context: contextDir,
      image,
      buildArgs,
      tagRules: options.tags ?? DEFAULT_TAG_RULES,
      labels: projectLabels(name, context),
      noCache: options.noCache ?? false,
      quiet: options.quiet ?? true,
    }),
    // podman's default OCI format drops HEALTHCHECK; the docker format keeps it. nx-container spawns
    // the engine by name from PATH: the resolved engine's folder goes first, so it runs that one.
    env: {
      PATH: `${dirname(executableOf(engine.name))}${delimiter}${process.env['PATH'] ?? ''}`,
      ...(engine.name === 'podman' ? { BUILDAH_FORMAT: 'docker' } : {}),
    },
  });
  logger.info(`> ${engine.name} build of ${image} from ${options.file} (context ${contextDir}) through nx-container`);
  const { exitCode } = await runTool(build, SETUP_FIX);
  const iidFile = join(outputDir, 'imageid');
  if (exitCode !== 0 || !existsSync(iidFile)) {
    logger.error(
      `docker ${name}: the build failed (exit ${exitCode}; its output is above). Command: ${formatCommand(build)}`,
    );
    return { success: false };
  }
  const facts = engine.parseInspect(
    await captureOk(engine.inspectImage(readFileSync(iidFile, 'utf8').trim(), cwd), SETUP_FIX),
  );
  const record: ImageRecord = {
    project: name,
    engine: engine.name,
    image,
    id: facts.id,
    digest: facts.digest,
    tags: facts.repoTags,
    labels: facts.labels,
    sizeBytes: facts.sizeBytes,
    buildArgs,
    context: contextDir,
  };
  writeRecord(reports, record);
  logger.info(
    `docker ${name}: built ${facts.id.slice(7, 19)} (${(facts.sizeBytes / 1e6).toFixed(1)} MB) tagged ${facts.repoTags.join(', ')}`,
  );

  const gates: GateResult[] = [];
  if (!options.skipTest) {
    const { report, gates: testGates } = await testImage({
      engine,
      image: facts,
      project: name,
      options: options.test ?? {},
      cwd,
      reportPath: join(reportsDirectory, IMAGE_TEST_REPORT),
    });
    writeFileSync(join(reports, IMAGE_TEST_REPORT), `${JSON.stringify(report, null, 2)}\n`);
    gates.push(...testGates);
  }

  if (registry && gates.every((gate) => gate.passed)) {
    const pushed = await push(engine, name, facts, registry, reports, cwd);
    record.pushed = pushed;
    writeRecord(reports, record);
    if (pushed.matches) logger.info(`docker ${name}: pushed ${pushed.reference}`);
    const first = pushed.pushed[0];
    gates.push({
      project: name,
      gate: 'image-push',
      measured: pushed.matches
        ? first.digest
        : `pulled ${pushed.pulled.id.slice(7, 19)} ${pushed.pulled.digests.join(',') || 'without digest'}`,
      threshold: first.digest,
      passed: pushed.matches,
      report: join(reportsDirectory, IMAGE_RECORD),
      ...(pushed.matches
        ? {}
        : {
            reason: `the round trip through ${registry.name} did not return the image pushed (built ${facts.id}, pulled ${pushed.pulled.id}; see "pushed" in ${IMAGE_RECORD})`,
          }),
    });
  } else if (registry) {
    logger.error(`docker ${name}: not pushed to ${registry.name}: the image test failed.`);
  }
  writeGateResults(reports, gates);
  for (const gate of gates) (gate.passed ? logger.info : logger.error)(formatGateLine(gate));
  return { success: gates.every((gate) => gate.passed) && (!registry || record.pushed !== undefined) };
}

/** Title and description from the project (metadata-action leaves them empty outside GitHub, where it reads them from the repository). */
function projectLabels(name: string, context: ExecutorContext): string[] {
  const description = context.projectsConfigurations.projects[name]?.metadata?.description;
  return [
    `org.opencontainers.image.title=${name}`,
    ...(description ? [`org.opencontainers.image.description=${description}`] : []),
  ];
}

function writeRecord(reports: string, record: ImageRecord): void {
  writeFileSync(join(reports, IMAGE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The registry to push to: `$<variable>` (any OCI registry, `host[:port][/namespace]`), else on GitHub
 * Actions the repository's GHCR namespace, `ghcr.io/<owner>/<repo>` (lower case, as GHCR requires).
 */
export function pushRegistry(
  variable: string,
  env: NodeJS.ProcessEnv = process.env,
): { name: string; tlsVerify: boolean } {
  const name =
    env[variable] ||
    (env['GITHUB_ACTIONS'] === 'true' && env['GITHUB_REPOSITORY']
      ? `ghcr.io/${env['GITHUB_REPOSITORY'].toLowerCase()}`
      : undefined);
  if (!name) {
    throw new Error(
      `push: ${variable} is not set. Set it to the registry to push to (host[:port][/namespace], e.g. ghcr.io/acme/customercare), ` +
        `and ${variable}_TLS_VERIFY=false for a plain-HTTP registry on loopback.`,
    );
  }
  return { name: name.replace(/\/+$/, ''), tlsVerify: env[`${variable}_TLS_VERIFY`] !== 'false' };
}

async function push(
  engine: ContainerEngine,
  project: string,
  facts: ImageFacts,
  registry: { name: string; tlsVerify: boolean },
  reports: string,
  cwd: string,
): Promise<PushReport> {
  const workDir = join(reports, 'push');
  mkdirSync(workDir, { recursive: true });
  try {
    return await pushAndVerify({
      engine,
      project,
      imageId: facts.id,
      localTags: facts.repoTags,
      registry: registry.name,
      tlsVerify: registry.tlsVerify,
      cwd,
      workDir,
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function probeEngines(choice: EngineChoice, cwd: string) {
  const ok = async (command: string, args: string[]) => {
    try {
      return (await capture({ label: command, command, args, cwd }, '')).exitCode === 0;
    } catch {
      // Not installed: the probe's answer is simply "no".
      return false;
    }
  };
  const wantDocker = choice !== 'podman';
  const dockerDaemon = wantDocker && (await ok('docker', ['info', '--format', '{{.ServerVersion}}']));
  return {
    dockerDaemon,
    dockerBuildx: dockerDaemon && (await ok('docker', ['buildx', 'version'])),
    podman: choice !== 'docker' && (await ok('podman', ['--version'])),
  };
}

/** `ARG=<keyed local base>` for each base the Containerfile takes, unless buildArgs names that ARG itself. */
async function baseImageArgs(options: DockerExecutorSchema, engine: ContainerEngine, cwd: string): Promise<string[]> {
  const entries = Object.entries(options.baseImages ?? {});
  if (entries.length === 0) return [];
  const overridden = new Set((options.buildArgs ?? []).map((arg) => arg.split('=')[0]));
  const folder = options.baseImagesDirectory ?? 'tools/base-images';
  const definitions = readBaseDefinitions(cwd, folder, 'bookworm', 'minbase');
  const args: string[] = [];
  for (const [arg, baseName] of entries) {
    if (overridden.has(arg)) continue;
    const definition = definitions.find((d) => d.name === baseName);
    if (!definition)
      throw new Error(
        `Base image "${baseName}" (for build ARG ${arg}) has no ${folder}/${baseName}.packages: add it, or fix \`# nx-pipeline: base\` in ${options.file}.`,
      );
    const { keyed } = baseImageTags(definition);
    if ((await capture(engine.imageExists(keyed, cwd), SETUP_FIX)).exitCode !== 0) {
      throw new Error(
        `Base image ${keyed} is not built yet: run \`nx run base-images:base-image\` (the docker target depends on it, so \`nx run <project>:docker\` does it too).`,
      );
    }
    args.push(`${arg}=${keyed}`);
  }
  return args;
}

/**
 * Copies the `include` files (other targets' outputs, e.g. the widget bundle the API serves) into
 * the staged context. Only a staged context: copying into a project folder would change the sources.
 */
export function includeFiles(
  options: Pick<DockerExecutorSchema, 'include' | 'context' | 'file'>,
  contextDir: string,
  cwd: string,
): void {
  const include = options.include ?? [];
  if (include.length === 0) return;
  if (options.context !== 'python') {
    throw new Error(
      `\`# nx-pipeline: include\` in ${options.file} needs the staged context (\`# nx-pipeline: context python\`): with a project folder as the context, copy the file there in the target that builds it instead.`,
    );
  }
  for (const { from, to } of include) {
    const source = join(cwd, from);
    if (!existsSync(source)) {
      throw new Error(
        `${from} (\`# nx-pipeline: include\` in ${options.file}) does not exist: build it first. Declare the target that writes it with \`# nx-pipeline: depends-on <project>:<target>\` so that \`nx run <project>:docker\` builds it.`,
      );
    }
    const target = join(cwd, contextDir, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
  logger.info(`docker: included ${include.map((i) => `${i.from} as ${i.to}`).join(', ')} in the context`);
}

/** uv through the workspace's resolver ($UV, else .cache/bin where setup links it), checked at the pinned version. */
function findUv(): string {
  return resolveTool('uv', executorTools()).path;
}

/**
 * The context of a Python image: its locked runtime dependencies and the workspace packages it
 * uses, installed by uv for the base image's own interpreter into site-packages/. Nothing else of
 * the repository is in it, so no source, test, lockfile or local secret can reach a layer.
 */
async function stagePythonContext(
  project: string,
  projectRoot: string,
  engine: ContainerEngine,
  baseArgs: string[],
  buildArgs: string[],
  cwd: string,
): Promise<string> {
  const distName = readPyproject(cwd, join(projectRoot, 'pyproject.toml')).name;
  if (!distName) throw new Error(`context "python": ${projectRoot}/pyproject.toml has no [project].name.`);
  const baseRef =
    [...buildArgs, ...baseArgs].find((arg) => arg.startsWith('BASE_IMAGE='))?.split('=')[1] ??
    baseArgs[0]?.split('=')[1];
  if (!baseRef)
    throw new Error(
      `context "python" needs the base image to resolve wheels for: declare \`# nx-pipeline: base BASE_IMAGE=<name>\` in the Containerfile.`,
    );
  const probe = await capture(engine.runOnce(baseRef, ['python3', '-c', PYTHON_TARGET_PROBE], cwd), SETUP_FIX);
  if (probe.exitCode !== 0) {
    throw new Error(
      `context "python": could not run python3 in the base image ${baseRef} (exit ${probe.exitCode}): ${probe.stderr.trim()}. The base must have python3 (see tools/base-images/python.packages).`,
    );
  }
  const target = parsePythonTarget(probe.stdout);
  const contextDir = join('tmp', 'containers', projectRoot);
  const absolute = join(cwd, contextDir);
  rmSync(absolute, { recursive: true, force: true });
  mkdirSync(absolute, { recursive: true });
  const uv = findUv();
  const paths = contextPaths(absolute);
  const uvEnv = { UV_PYTHON_DOWNLOADS: 'never' };
  await captureOk({ ...uvExportCommand(uv, distName, paths.requirements, cwd), env: uvEnv }, SETUP_FIX);
  const workspacePackages = parseWorkspacePackages(
    await captureOk({ ...uvExportWorkspaceCommand(uv, distName, cwd), env: uvEnv }, SETUP_FIX),
  );
  for (const command of uvInstallCommands(uv, target, paths.requirements, workspacePackages, paths.sitePackages, cwd)) {
    await captureOk({ ...command, env: uvEnv }, SETUP_FIX);
  }
  normalizeMtimes(paths.sitePackages);
  logger.info(
    `docker ${project}: staged ${workspacePackages.length} workspace package(s) and the locked dependencies for Python ${target.version} (${target.platform}) in ${contextDir}`,
  );
  return contextDir;
}

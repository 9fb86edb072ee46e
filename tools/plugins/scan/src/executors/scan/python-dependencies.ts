import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, type ToolCommand } from '@customercare/nx-core';
import { readPyproject } from '@customercare/nx-core';
import { resolveTool } from '@customercare/nx-core';
import type { ScanContext } from './scanners/types';

/** uv's argv that pins one workspace member's shipped dependencies (with hashes) into a requirements file. Pure. */
export function uvExportCommand(
  uv: string,
  workspaceRoot: string,
  distribution: string,
  outputFile: string,
): ToolCommand {
  return {
    label: 'uv export',
    command: uv,
    args: [
      'export',
      '--package',
      distribution,
      '--frozen',
      '--no-dev',
      '--no-emit-workspace',
      '--format',
      'requirements-txt',
      '--output-file',
      outputFile,
      '--quiet',
    ],
    cwd: workspaceRoot,
    env: { UV_PYTHON_DOWNLOADS: 'never' },
  };
}

export interface RequirementPin {
  name: string;
  version: string;
  /** PEP 508 environment marker, e.g. `python_full_version < '3.11.3'`. */
  marker?: string;
}

/** `name==version` pins (with their markers) from a requirements file; hash lines and comments skipped. */
export function parseRequirements(text: string): RequirementPin[] {
  const pins: RequirementPin[] = [];
  for (const line of text.split('\n')) {
    const [spec, marker] = line.trim().replace(/\\$/, '').split(';', 2);
    const [requirement, version] = spec.trim().split('==');
    const name = requirement.replace(/\[[^\]]*\]$/, '');
    if (!version || !/^[A-Za-z0-9][\w.-]*$/.test(name)) continue;
    pins.push({ name, version: version.trim(), ...(marker?.trim() ? { marker: marker.trim() } : {}) });
  }
  return pins;
}

/** Evaluates each marker for the workspace's interpreter with `packaging` (what pip itself uses). */
const MARKER_SCRIPT =
  'import json,sys\nfrom packaging.markers import Marker\nprint(json.dumps([Marker(m).evaluate() for m in json.load(sys.stdin)]))';

/**
 * The pins that apply to the workspace's interpreter: uv exports a universal list, and a pin whose
 * marker excludes this Python (async-timeout on 3.11.3+) is neither installed nor shipped.
 */
async function applicablePins(
  python: string,
  pins: RequirementPin[],
): Promise<RequirementPin[] | { unavailable: string }> {
  const markers = pins.filter((p) => p.marker).map((p) => p.marker as string);
  if (markers.length === 0) return pins;
  const why = (text: string) =>
    `could not evaluate the requirements' environment markers with ${python}: ${text.trim().split('\n').pop()}`;
  const result = await capture(
    { label: 'python (environment markers)', command: python, args: ['-c', MARKER_SCRIPT], cwd: '' },
    'Run `npm run setup` (it creates .venv from uv.lock).',
    JSON.stringify(markers),
  ).catch((error: Error) => ({ exitCode: -1, stderr: error.message, stdout: '' }));
  if (result.exitCode !== 0) return { unavailable: why(result.stderr) };
  const verdicts = JSON.parse(result.stdout) as boolean[];
  let next = 0;
  return pins.filter((p) => (p.marker ? verdicts[next++] : true));
}

/**
 * The project's shipped dependencies from the workspace's one uv.lock, for the dependency scanners
 * (licences, SBOM, advisories). A project outside the uv workspace has none to export: the reason
 * says so, and those scanners report "not run" with it.
 */
export async function exportPythonRequirements(
  context: Omit<ScanContext, 'pythonRequirements'>,
): Promise<ScanContext['pythonRequirements']> {
  const { name } = readPyproject(context.workspaceRoot, join(context.projectRoot, 'pyproject.toml'));
  if (!name) return { unavailable: `${context.projectRoot}/pyproject.toml has no [project].name` };
  // uv is installed by setup: missing, it fails the scan with the fix (a ToolError), never "not run".
  const uv = resolveTool('uv', context.tools).path;
  const file = join(context.rawDir, 'requirements.txt');
  const command = uvExportCommand(uv, context.workspaceRoot, name, file);
  const result = await capture(command, 'Run `npm run setup` (it installs uv into .cache/bin).').catch(
    (error: Error) => ({ exitCode: -1, stderr: error.message }),
  );
  if (result.exitCode !== 0) {
    const why = result.stderr.trim().split('\n').slice(-2).join(' ');
    return {
      unavailable: `\`uv export --package ${name}\` failed (is the project a member of the uv workspace, and is uv.lock current?): ${why}`,
    };
  }
  const packages = await applicablePins(
    join(context.venv, 'bin', 'python'),
    parseRequirements(readFileSync(file, 'utf8')),
  );
  if ('unavailable' in packages) return packages;
  return { file, packages: packages.map(({ name: pin, version }) => ({ name: pin, version })) };
}

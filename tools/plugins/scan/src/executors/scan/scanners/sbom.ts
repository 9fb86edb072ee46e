import { join } from 'node:path';
import { nodeRuntimeTool } from '@customercare/nx-core';
import { scannerTool } from './locate';
import type { Parsed, Scanner } from './types';

/** Where the project's CycloneDX SBOM lands, relative to the scan's reports folder. */
export const SBOM_FILE = 'sbom.cdx.json';

function parseBom(output: string): Parsed {
  const bom = JSON.parse(output) as { bomFormat?: string; specVersion?: string; components?: unknown[] };
  if (bom.bomFormat !== 'CycloneDX') return { notRun: 'the SBOM tool wrote no CycloneDX document' };
  return {
    findings: [],
    summary: `CycloneDX ${bom.specVersion ?? ''} SBOM, ${bom.components?.length ?? 0} components`,
  };
}

/** cyclonedx-py over the project's pinned dependencies (https://cyclonedx-bom-tool.readthedocs.io). */
export const pythonSbom: Scanner = {
  name: 'sbom',
  category: 'sbom',
  appliesTo: ['python'],
  invocation(context) {
    const requirements = context.pythonRequirements;
    if (!requirements || 'unavailable' in requirements)
      return { notRun: requirements?.unavailable ?? 'no dependency list for this project' };
    const tool = scannerTool('cyclonedx-py', context);
    const outputFile = join(context.rawDir, '..', SBOM_FILE);
    return {
      command: {
        label: 'cyclonedx-py',
        command: tool,
        args: [
          'requirements',
          requirements.file,
          '--pyproject',
          join(context.workspaceRoot, context.projectRoot, 'pyproject.toml'),
          '--mc-type',
          'application',
          '--output-format',
          'JSON',
          '--output-file',
          outputFile,
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      okExitCodes: [0],
    };
  },
  parse: parseBom,
};

/** `npm sbom` for one workspace (https://docs.npmjs.com/cli/commands/npm-sbom), shipped dependencies only. */
export const npmSbom: Scanner = {
  name: 'sbom',
  category: 'sbom',
  appliesTo: ['npm'],
  invocation(context) {
    const tool = nodeRuntimeTool('npm');
    if (!context.packageName) return { notRun: 'the project has no package.json name' };
    return {
      command: {
        label: 'npm sbom',
        command: tool,
        // From the lockfile alone: the SBOM describes what `npm ci` installs, whatever node_modules holds now.
        args: [
          'sbom',
          '--sbom-format',
          'cyclonedx',
          '--omit',
          'dev',
          '--package-lock-only',
          '--workspace',
          context.packageName,
        ],
        cwd: context.workspaceRoot,
      },
      outputFile: join(context.rawDir, '..', SBOM_FILE),
      stdout: true,
      okExitCodes: [0],
    };
  },
  parse: parseBom,
};

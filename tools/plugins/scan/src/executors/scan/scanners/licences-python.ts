import { join } from 'node:path';
import { fingerprintOf, type Finding } from '@customercare/nx-core';
import { checkLicence, licenceException } from '../licences';
import { scannerTool } from './locate';
import type { ScanContext, Scanner } from './types';

interface PipLicensesEntry {
  Name: string;
  Version: string;
  License: string;
}

const normalise = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * A finding per dependency whose licence the allow-list does not permit (high) or that declares
 * none we can read (medium). Shared by the Python and npm adapters.
 */
export function licenceFindings(
  packages: ReadonlyArray<{ name: string; version: string; licence: string | undefined }>,
  ecosystem: 'npm' | 'pypi',
  file: string,
  context: ScanContext,
): Finding[] {
  const findings: Finding[] = [];
  for (const pkg of packages) {
    const verdict = checkLicence(pkg.licence, context.licencePolicy);
    if (verdict.verdict === 'allowed' || licenceException(context.licencePolicy, ecosystem, pkg.name, context.today))
      continue;
    const denied = verdict.verdict === 'denied';
    findings.push({
      tool: 'licences',
      ruleId: denied ? 'licence-not-allowed' : 'licence-unknown',
      severity: denied ? 'high' : 'medium',
      message: denied
        ? `${pkg.name} ${pkg.version} (${ecosystem}) is licensed ${verdict.spdx}, which is not on the allow-list (${context.licencePolicy.allow.join(', ')}). Replace the dependency, or add a reviewed exception to the licence allow-list.`
        : `${pkg.name} ${pkg.version} (${ecosystem}) declares no licence the allow-list can read ("${verdict.declared}"). Check its licence and add an alias or a reviewed exception to the licence allow-list.`,
      file,
      line: 1,
      fingerprint: fingerprintOf('licences', ecosystem, pkg.name, pkg.version, pkg.licence ?? ''),
    });
  }
  return findings;
}

/** pip-licenses over the project's pinned dependencies, checked against the licence allow-list. */
export const pythonLicences: Scanner = {
  name: 'licences',
  category: 'licences',
  appliesTo: ['python'],
  invocation(context) {
    const requirements = context.pythonRequirements;
    if (!requirements || 'unavailable' in requirements)
      return { notRun: requirements?.unavailable ?? 'no dependency list for this project' };
    const tool = scannerTool('pip-licenses', context);
    const outputFile = join(context.rawDir, 'pip-licenses.json');
    return {
      command: {
        label: 'pip-licenses',
        command: tool,
        args: [
          '--format=json',
          '--from=mixed',
          `--python=${join(context.venv, 'bin', 'python')}`,
          `--output-file=${outputFile}`,
          // parse() reads only the project's own dependencies from the list, so none listed is harmless.
          ...(requirements.packages.length ? ['--packages', ...requirements.packages.map((p) => p.name)] : []),
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      okExitCodes: [0],
    };
  },
  parse(output, context) {
    const requirements = context.pythonRequirements;
    if (!requirements || 'unavailable' in requirements) return { notRun: 'no dependency list for this project' };
    const installed = new Map((JSON.parse(output) as PipLicensesEntry[]).map((e) => [normalise(e.Name), e]));
    const packages = requirements.packages.map((p) => ({
      name: p.name,
      version: p.version,
      // A pinned dependency that is not installed has no licence to read: it is reported as unknown.
      licence: installed.get(normalise(p.name))?.License,
    }));
    return {
      findings: licenceFindings(packages, 'pypi', 'uv.lock', context),
      summary: `${packages.length} dependencies checked`,
    };
  },
};

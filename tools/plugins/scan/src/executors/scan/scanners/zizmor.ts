import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fingerprintOf, type Finding, type Severity } from '@customercare/nx-core';
import { scannerTool } from './locate';
import type { Scanner } from './types';

interface SarifResult {
  ruleId: string;
  level?: string;
  message?: { text?: string };
  locations?: Array<{
    physicalLocation?: {
      artifactLocation?: { uri?: string };
      region?: { startLine?: number; snippet?: { text?: string } };
    };
    logicalLocations?: Array<{
      properties?: { symbolic?: { route?: { route?: Array<Record<string, string | number>> } } };
    }>;
  }>;
  properties?: Record<string, string>;
}

interface ZizmorSarif {
  runs?: Array<{ invocations?: Array<{ executionSuccessful?: boolean }>; results?: SarifResult[] }>;
}

const SEVERITY: Record<string, Severity> = { high: 'high', medium: 'medium', low: 'low', informational: 'info' };
const LEVEL: Record<string, Severity> = { error: 'high', warning: 'medium', note: 'low', none: 'info' };

/** Where in the workflow a finding is (jobs.scan.steps[5].uses): with the snippet, what identifies it. */
function routeOf(result: SarifResult): string {
  const route = result.locations?.[0]?.logicalLocations?.[0]?.properties?.symbolic?.route?.route ?? [];
  return route.map((part) => ('Index' in part ? `[${part['Index']}]` : `.${part['Key']}`)).join('');
}

/**
 * zizmor: static analysis of GitHub Actions workflows (https://docs.zizmor.sh), SARIF. It runs on
 * the project whose scan target names the workflows folder (`workflows` option: cache-server,
 * whose tests already read .github/workflows), offline: the audits that ask GitHub's API
 * (impostor commits, known-vulnerable actions, ref confusion) need a network this workspace does
 * not have, and the summary says so.
 */
export const zizmor: Scanner = {
  name: 'zizmor',
  category: 'static analysis',
  appliesTo: ['workflows'],
  invocation(context) {
    const tool = scannerTool('zizmor', context);
    const workflows = context.workflows;
    if (!workflows || !existsSync(join(context.workspaceRoot, workflows))) {
      return { notRun: `no workflows folder at ${workflows ?? '(unset)'} (the scan target's \`workflows\` option)` };
    }
    // Each file by its workspace-relative path: given a folder, zizmor names files relative to the
    // git root, or to the folder outside a repository; given files, it names them as given.
    const files = readdirSync(join(context.workspaceRoot, workflows))
      .filter((file) => /\.ya?ml$/.test(file))
      .sort()
      .map((file) => `${workflows.replace(/\/$/, '')}/${file}`);
    if (files.length === 0)
      return { notRun: `no workflow (*.yml, *.yaml) in ${workflows} (the scan target's \`workflows\` option)` };
    const outputFile = join(context.rawDir, 'zizmor.sarif');
    return {
      command: {
        label: 'zizmor',
        command: tool,
        args: [
          '--offline',
          '--persona=regular',
          '--format=sarif',
          // A workflow zizmor cannot parse is an error, not a file quietly left out.
          '--strict-collection',
          // zizmor.yml and inline `# zizmor: ignore` would bypass the reviewed suppressions file.
          '--no-config',
          '--no-ignores',
          // Findings go to the report and the grade: the exit code only says whether zizmor ran.
          '--no-exit-codes',
          '--no-progress',
          '--color=never',
          ...files,
        ],
        cwd: context.workspaceRoot,
      },
      outputFile,
      stdout: true,
      okExitCodes: [0],
    };
  },
  parse(output, context) {
    const report = JSON.parse(output) as ZizmorSarif;
    const run = report.runs?.[0];
    if (!run) return { notRun: 'zizmor wrote a SARIF report with no run' };
    if (run.invocations?.some((invocation) => invocation.executionSuccessful === false))
      return { notRun: 'zizmor reported an unsuccessful run' };
    const findings: Finding[] = (run.results ?? []).map((result) => {
      const location = result.locations?.[0]?.physicalLocation;
      const uri = location?.artifactLocation?.uri ?? '';
      const file = isAbsolute(uri) ? relative(context.workspaceRoot, uri) : uri;
      const ruleId = result.ruleId.replace(/^zizmor\//, '');
      const confidence = result.properties?.['zizmor/confidence'];
      return {
        tool: 'zizmor',
        ruleId,
        severity:
          SEVERITY[(result.properties?.['zizmor/severity'] ?? '').toLowerCase()] ??
          LEVEL[result.level ?? ''] ??
          'medium',
        message: `${result.message?.text ?? ruleId}${confidence ? ` (confidence ${confidence.toLowerCase()})` : ''}. https://docs.zizmor.sh/audits/#${ruleId}`,
        file,
        line: location?.region?.startLine ?? 1,
        fingerprint: fingerprintOf(
          'zizmor',
          ruleId,
          file,
          routeOf(result),
          (location?.region?.snippet?.text ?? '').trim(),
        ),
      };
    });
    return {
      findings,
      summary:
        'offline audits (no GitHub API: impostor-commit, known-vulnerable-actions, ref-confusion and the other online audits not run)',
    };
  },
};

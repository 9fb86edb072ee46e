import type { TargetConfiguration } from '@nx/devkit';

/** Files every scan reads besides the project's own: the gates file, the allow-list, suppressions, semgrep and gitleaks rules. */
export const SCAN_SHARED_INPUTS = ['{workspaceRoot}/gates.json', '{workspaceRoot}/security/**/*'];

/**
 * The inferred `scan` target of a Python or npm project. Cached on the project's files, its
 * lockfile and the security config; scheduled runs that must see new advisories pass
 * --skip-nx-cache.
 */
export function buildScanTarget(
  kind: 'python' | 'npm',
  reportsDirectory: string,
  /** dependencyInputs: what pins the project's dependencies; tools: the external nodes the scan runs. */
  extra: { venv?: string; dependencyInputs: string[]; tools: string[] },
): TargetConfiguration {
  const technologies =
    kind === 'python'
      ? ['python', 'bandit', 'semgrep', 'gitleaks', 'pip-audit', 'cyclonedx']
      : ['typescript', 'eslint', 'semgrep', 'gitleaks', 'npm', 'cyclonedx'];
  return {
    executor: '@customercare/nx-scan:scan',
    options: { ...(extra.venv ? { venv: extra.venv } : {}), reportsDirectory },
    cache: true,
    inputs: ['default', ...SCAN_SHARED_INPUTS, ...extra.dependencyInputs, { externalDependencies: extra.tools }].filter(
      (input) => typeof input === 'string' || input.externalDependencies.length > 0,
    ),
    outputs: ['{options.reportsDirectory}'],
    metadata: {
      technologies,
      description:
        kind === 'python'
          ? 'Scan with bandit, semgrep (repository rules), gitleaks, the licence allow-list, a CycloneDX SBOM and pip-audit/osv-scanner/trivy; grade A-F and gate it (SARIF, JSON, Markdown, HTML)'
          : 'Scan with eslint-plugin-security, semgrep (repository rules), gitleaks, the licence allow-list, a CycloneDX SBOM and npm audit/osv-scanner/trivy; grade A-F and gate it (SARIF, JSON, Markdown, HTML)',
      help: {
        command: `nx run <project>:scan --help`,
        example: { options: { scanners: ['semgrep', 'gitleaks'] } },
      },
    },
  };
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, executorTools, findTool, resolveTool, type ToolCommand } from '@customercare/nx-core';
import { GITLEAKS_CONFIG, gitleaksReportArgs } from '@customercare/nx-scan/lib';
import type { SecretFinding } from './secrets';

/** The source scan's gitleaks config and report flags: the image's filesystem is checked with the same rules as the repository. */
export { GITLEAKS_CONFIG };

const GITLEAKS_FIX = 'Run `npm run setup` (tools/scripts/setup.d/30-scanners.sh installs gitleaks).';

/**
 * `gitleaks dir .` run inside an unpacked image filesystem, with the repository's config; a redacted
 * JSON report. From inside, so that the config's path allowlist sees in-image paths (`opt/venv/...`):
 * given the absolute path, a mount under the workspace's `.cache/` matched its `.cache/` entry and
 * gitleaks scanned nothing.
 */
export function gitleaksImageCommand(
  gitleaks: string,
  rootfs: string,
  config: string | null,
  reportFile: string,
): ToolCommand {
  return {
    label: 'gitleaks (image)',
    command: gitleaks,
    args: ['dir', '.', ...(config ? ['--config', config] : []), ...gitleaksReportArgs(reportFile), '--exit-code', '1'],
    cwd: rootfs,
  };
}

/** gitleaks' findings (paths relative to the image root) as in-image paths (`/opt/app/settings.py`), rule `gitleaks:<RuleID>`. */
export function parseGitleaksImage(json: string): SecretFinding[] {
  const leaks = JSON.parse(json) as Array<{ RuleID: string; File: string; StartLine: number }>;
  return leaks.map((leak) => ({
    path: `/${leak.File.replace(/^(\.\/)+/, '')}`,
    rule: `gitleaks:${leak.RuleID}`,
    line: leak.StartLine,
  }));
}

/** Runs gitleaks over the filesystem; its findings, or an error naming the command (gitleaks is required). */
export async function gitleaksImage(rootfs: string, workDir: string, cwd: string): Promise<SecretFinding[]> {
  const config = join(cwd, GITLEAKS_CONFIG);
  const reportFile = join(workDir, 'gitleaks-image.json');
  const gitleaks = resolveTool('gitleaks', executorTools()).path;
  const command = gitleaksImageCommand(gitleaks, rootfs, existsSync(config) ? config : null, reportFile);
  const result = await capture(command, GITLEAKS_FIX);
  if ((result.exitCode !== 0 && result.exitCode !== 1) || !existsSync(reportFile)) {
    throw new Error(
      `gitleaks over the image filesystem failed (exit ${result.exitCode}): ${result.stderrTail.trim() || 'no report written'}. ${GITLEAKS_FIX}`,
    );
  }
  return parseGitleaksImage(readFileSync(reportFile, 'utf8'));
}

/** What trivy found in the image (counts by severity), or why it did not run. */
export type VulnerabilityScan =
  | { status: 'ran'; tool: 'trivy'; counts: Record<'critical' | 'high' | 'medium' | 'low' | 'unknown', number> }
  | { status: 'not run'; tool: 'trivy'; reason: string };

/** `trivy rootfs` of the unpacked image: OS packages and language packages, JSON report. */
export function trivyRootfsCommand(trivy: string, rootfs: string, reportFile: string, cwd: string): ToolCommand {
  return {
    label: 'trivy rootfs',
    command: trivy,
    args: [
      'rootfs',
      '--scanners',
      'vuln',
      '--format',
      'json',
      '--output',
      reportFile,
      '--quiet',
      '--exit-code',
      '0',
      rootfs,
    ],
    cwd,
  };
}

export function parseTrivyCounts(json: string): Extract<VulnerabilityScan, { status: 'ran' }>['counts'] {
  const report = JSON.parse(json) as { Results?: Array<{ Vulnerabilities?: Array<{ Severity?: string }> }> };
  const counts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  for (const result of report.Results ?? []) {
    for (const vulnerability of result.Vulnerabilities ?? []) {
      const severity = (vulnerability.Severity ?? 'UNKNOWN').toLowerCase();
      if (severity in counts) counts[severity as keyof typeof counts] += 1;
      else counts.unknown += 1;
    }
  }
  return counts;
}

/**
 * trivy over the image filesystem where trivy is installed and its vulnerability database can be
 * fetched; otherwise "not run" with the reason (trivy is optional: its database host is not
 * reachable from every machine).
 */
export async function trivyImage(
  rootfs: string,
  workDir: string,
  cwd: string,
  find: (name: string) => string | undefined = (name) => findTool(name, executorTools())?.path,
): Promise<VulnerabilityScan> {
  const trivy = find('trivy');
  if (!trivy)
    return {
      status: 'not run',
      tool: 'trivy',
      reason: 'trivy is not installed (optional; set TRIVY to its path where its vulnerability database is reachable)',
    };
  const reportFile = join(workDir, 'trivy-image.json');
  const result = await capture(trivyRootfsCommand(trivy, rootfs, reportFile, cwd), '');
  if (result.exitCode !== 0 || !existsSync(reportFile)) {
    return {
      status: 'not run',
      tool: 'trivy',
      reason: `trivy exited ${result.exitCode} (its vulnerability database is likely unreachable): ${result.stderrTail.trim().split('\n').at(-1) ?? ''}`,
    };
  }
  return { status: 'ran', tool: 'trivy', counts: parseTrivyCounts(readFileSync(reportFile, 'utf8')) };
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, type Finding, type Severity, type ToolCommand } from '../shared';
import { runForReport, runLimits } from './tool';
import type { DastContext, DastParsed, DastScanner } from './types';

interface ZapReport {
  site?: Array<{
    alerts?: Array<{
      pluginid: string;
      alert: string;
      riskcode: string;
      instances?: Array<{ uri: string; method: string; param?: string }>;
    }>;
  }>;
}

const RISKS: Record<string, Severity> = { '3': 'high', '2': 'medium', '1': 'low', '0': 'info' };

/**
 * Whether the registry that serves ZAP's official image answers at all, within `timeoutMs`: any
 * HTTP status (a registry answers 401 to an anonymous /v2/) counts. Undefined when it does; the
 * reason otherwise.
 */
export async function registryUnreachable(registry: string, timeoutMs = 5000): Promise<string | undefined> {
  try {
    await fetch(registry, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    return undefined;
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    return `no container registry reachable (GET ${registry} failed within ${timeoutMs / 1000} s: ${cause}); ZAP runs from its official image`;
  }
}

/** ZAP's packaged scans in its official image, on the host's network (the proxy listens on 127.0.0.1). */
export function zapCommand(
  context: DastContext,
  scan: 'baseline' | 'api',
  baseUrl: string,
  workDir: string,
  timeS: number,
): ToolCommand {
  const settings = context.config.scanners.zap;
  const replacer = Object.entries(context.headers).flatMap(([name, value], index) => [
    `-config replacer.full_list(${index}).description=dast${index}`,
    `-config replacer.full_list(${index}).enabled=true`,
    `-config replacer.full_list(${index}).matchtype=REQ_HEADER`,
    `-config replacer.full_list(${index}).matchstr=${name}`,
    `-config replacer.full_list(${index}).replacement=${value}`,
  ]);
  const minutes = String(Math.max(1, Math.floor(timeS / 60)));
  return {
    label: `zap ${scan}`,
    command: 'podman',
    args: [
      'run',
      '--rm',
      '--network',
      'host',
      '--volume',
      `${workDir}:/zap/wrk:rw`,
      settings.image,
      ...(scan === 'baseline'
        ? ['zap-baseline.py', '-t', `${baseUrl}/`, '-m', minutes]
        : ['zap-api-scan.py', '-t', baseUrl + context.config.openapi, '-f', 'openapi', '-T', minutes]),
      '-J',
      `zap-${scan}.json`,
      '-I',
      ...(replacer.length ? ['-z', replacer.join(' ')] : []),
    ],
    cwd: workDir,
  };
}

export function parseZap(output: string, scan: string): Finding[] {
  const report = JSON.parse(output) as ZapReport;
  if (!report.site) throw new Error('not a ZAP JSON report (no site)');
  return report.site.flatMap((site) =>
    (site.alerts ?? []).flatMap((alert) =>
      (alert.instances?.length ? alert.instances : [{ uri: '/', method: 'GET' }]).map((instance) => {
        const path = new URL(instance.uri, 'http://placeholder').pathname;
        return {
          tool: 'zap',
          ruleId: `${alert.pluginid}`,
          severity: RISKS[alert.riskcode] ?? 'medium',
          message: `${alert.alert} (ZAP ${scan} scan)${instance.param ? ` in \`${instance.param}\`` : ''}`,
          file: `${instance.method} ${path}`,
          line: 1,
          fingerprint: fingerprintOf('zap', alert.pluginid, instance.method, path, instance.param ?? ''),
        } satisfies Finding;
      }),
    ),
  );
}

export const zap: DastScanner = {
  name: 'zap',
  checks: "OWASP ZAP's baseline (passive) and API scan from its official image",
  unavailable: (config) => registryUnreachable(config.scanners.zap.registry),
  async run(context, proxy, log): Promise<DastParsed> {
    const workDir = join(context.rawDir, 'zap');
    mkdirSync(workDir, { recursive: true });
    const findings: Finding[] = [];
    const timeS = (context.config.scanners.zap.timeS * 0.9) / 2;
    for (const scan of ['baseline', 'api'] as const) {
      const reportFile = join(workDir, `zap-${scan}.json`);
      // -I: warnings do not change the exit code; 0 and 2 (warnings) mean the report is written.
      const outcome = await runForReport(
        zapCommand(context, scan, proxy.url, workDir, timeS),
        reportFile,
        [0, 2],
        log,
        runLimits(context, 'zap'),
      );
      if ('problem' in outcome) return { notRun: outcome.problem };
      findings.push(...parseZap(outcome.output, scan));
    }
    return { findings: [...new Map(findings.map((f) => [f.fingerprint, f])).values()] };
  },
};

import { existsSync, readFileSync } from 'node:fs';
import type { DastScannerName } from '../config';
import { runTool, ToolError, type ToolCommand } from '../shared';
import type { DastContext } from './types';

/** Seconds past a scanner's time limit before its process group is stopped. */
const STOP_GRACE_S = 30;

const INSTALL_FIX = 'Run `npm run setup` (tools/scripts/setup.d/45-dast.sh installs the DAST tools).';

export type ToolOutcome = { output: string; exitCode: number } | { problem: string; missingTool?: boolean };

/**
 * Runs one scanner command through the workspace's runner and reads the report it wrote. Every way
 * it can go wrong comes back as a problem sentence (the adapter reports it), never as clean.
 */
export async function runForReport(
  command: ToolCommand,
  reportFile: string,
  okExitCodes: readonly number[],
  log: (line: string) => void,
  options: { stdout?: boolean; timeS: number; secrets: readonly string[] },
): Promise<ToolOutcome> {
  let result;
  try {
    result = await runTool(command, {
      fix: INSTALL_FIX,
      stdout: options.stdout ? { file: reportFile } : 'inherit',
      // The budget proxy cuts the scanner off at its time limit; this stops a tool that ignores that.
      timeoutMs: (options.timeS + STOP_GRACE_S) * 1000,
      secrets: options.secrets,
      echo: (line) => log(`${command.label} ${line}`),
    });
  } catch (error) {
    return { problem: (error as Error).message, missingTool: error instanceof ToolError };
  }
  if (result.timedOut) return { problem: `${command.label} was stopped ${STOP_GRACE_S} s after its time limit` };
  if (!okExitCodes.includes(result.exitCode)) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    return { problem: `${command.label} ${how}${result.stderrTail ? `: ${result.stderrTail}` : ''}` };
  }
  if (!existsSync(reportFile)) return { problem: `${command.label} wrote no report at ${reportFile}` };
  return { output: readFileSync(reportFile, 'utf8'), exitCode: result.exitCode };
}

/** A scanner's time limit and the values its commands must never show (the signed-in token, keys). */
export function runLimits(context: DastContext, scanner: DastScannerName): { timeS: number; secrets: string[] } {
  return { timeS: context.config.scanners[scanner].timeS, secrets: Object.values(context.headers) };
}

import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ScannerName } from '@customercare/nx-core';
import { formatCommand, runTool } from '@customercare/nx-core';
import { ToolError } from '@customercare/nx-core';
import { toolSpec } from '@customercare/nx-core';
import type { Finding } from '@customercare/nx-core';
import type { AnyScanner, ScanContext, ScannerCategory } from './scanners/types';

/** What happened to one scanner in one scan. */
export interface ScannerRun {
  scanner: ScannerName;
  category: ScannerCategory;
  /**
   * ran: it checked everything; incomplete: it ran but could not check everything; not-run: it did
   * not run (an optional tool that is not installed, nothing to check); failed: a tool that setup
   * installs is missing or broken, which fails the scan whatever the gates say.
   */
  status: 'ran' | 'incomplete' | 'not-run' | 'failed';
  reason?: string;
  summary?: string;
  findings: Finding[];
  durationMs: number;
  /** Workspace-relative path of the tool's own output, when it wrote one. */
  output?: string;
}

const INSTALL_FIX = 'Run `npm run setup` to install the scanners.';

/**
 * Runs one adapter and turns every way it can end into a ScannerRun. A tool that is missing,
 * exits with an unexpected code, writes no output or writes output it cannot parse is "not run",
 * with the reason: never a clean result.
 */
export async function runScanner(
  scanner: AnyScanner,
  context: ScanContext,
  log: (line: string) => void,
): Promise<ScannerRun> {
  const started = Date.now();
  const base = { scanner: scanner.name, category: scanner.category };
  const finish = (run: Omit<ScannerRun, 'scanner' | 'category' | 'durationMs'>): ScannerRun => ({
    ...base,
    ...run,
    durationMs: Date.now() - started,
  });

  if ('inProcess' in scanner) {
    const parsed = await scanner.inProcess(context);
    return 'notRun' in parsed
      ? finish({ status: 'not-run', reason: parsed.notRun, findings: [] })
      : finish(fromParsed(parsed));
  }

  let invocation;
  try {
    invocation = scanner.invocation(context);
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    // An optional tool (trivy, osv-scanner) the machine does not have is "not run"; one that setup
    // installs and that is missing here is a broken workspace: it fails, with the fix.
    const optional = toolSpec(context.tools.workspaceRoot, error.tool).kind === 'external';
    return finish({ status: optional ? 'not-run' : 'failed', reason: error.message, findings: [] });
  }
  if ('notRun' in invocation) return finish({ status: 'not-run', reason: invocation.notRun, findings: [] });

  log(`> ${invocation.command.label}: ${formatCommand(invocation.command)}`);
  let result;
  try {
    result = await runTool(invocation.command, INSTALL_FIX, {
      stdout: invocation.stdout ? { file: invocation.outputFile } : 'inherit',
    });
  } catch (error) {
    // The tool could not be started (removed between the check and the run, not executable, ...).
    return finish({ status: 'not-run', reason: (error as Error).message, findings: [] });
  }
  const output = relative(context.workspaceRoot, invocation.outputFile);
  if (!invocation.okExitCodes.includes(result.exitCode)) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    return finish({
      status: 'not-run',
      reason: `${invocation.command.label} ${how}${result.stderrTail ? `: ${result.stderrTail}` : ''}`,
      findings: [],
      output,
    });
  }
  if (!existsSync(invocation.outputFile)) {
    return finish({
      status: 'not-run',
      reason: `${invocation.command.label} wrote no report at ${output}`,
      findings: [],
    });
  }
  let parsed;
  try {
    parsed = scanner.parse(readFileSync(invocation.outputFile, 'utf8'), context);
  } catch (error) {
    return finish({
      status: 'not-run',
      reason: `could not read ${invocation.command.label}'s report ${output}: ${(error as Error).message}`,
      findings: [],
      output,
    });
  }
  if ('notRun' in parsed) return finish({ status: 'not-run', reason: parsed.notRun, findings: [], output });
  return finish({ ...fromParsed(parsed), output });
}

function fromParsed(parsed: {
  findings: Finding[];
  incomplete?: string;
  summary?: string;
}): Omit<ScannerRun, 'scanner' | 'category' | 'durationMs'> {
  return parsed.incomplete
    ? { status: 'incomplete', reason: parsed.incomplete, findings: parsed.findings, summary: parsed.summary }
    : { status: 'ran', findings: parsed.findings, summary: parsed.summary };
}

import { resolveTool } from '@customercare/nx-core';
import type { ScanContext } from './types';

/**
 * The checked path of a scanner's tool, through the workspace's one resolver. A tool that is
 * missing throws a ToolError with the fix: runScanner turns it into "failed" for a tool setup
 * installs and "not run" for an optional one (trivy, osv-scanner).
 */
export function scannerTool(name: string, context: ScanContext): string {
  return resolveTool(name, context.tools).path;
}

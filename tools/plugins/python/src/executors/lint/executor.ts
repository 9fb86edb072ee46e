import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GateResult } from '@customercare/nx-core';
import { formatCommand, runTool, type ToolResult } from '@customercare/nx-core';
import { writeGateResults } from '@customercare/nx-core';
import { SETUP_FIX } from '@customercare/nx-core';
import { executorTools, resolveTool } from '@customercare/nx-core';
import { projectOf } from '@customercare/nx-core';
import { buildLintCommands } from './commands';
import type { LintExecutorSchema } from './schema';

export default async function lintExecutor(
  options: LintExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const { name, root } = projectOf(context);
  const venv = options.venv ?? '.venv';
  const candidates = options.paths ?? ['src', 'tests'];
  const paths = candidates.filter((path) => existsSync(join(context.root, root, path)));
  if (paths.length === 0) {
    logger.error(
      `lint ${name}: none of ${candidates.join(', ')} exists in ${root}; set \`paths\` in the target options.`,
    );
    return { success: false };
  }
  const typecheck = options.typecheck ?? true;
  // From the target's venv (or RUFF / MYPY), at the versions uv.lock pins; a ToolError with the fix otherwise.
  const tools = executorTools(venv, context.root);
  const ruff = resolveTool('ruff', tools).path;
  const mypy = typecheck ? resolveTool('mypy', tools).path : '';

  const reportsDirectory = options.reportsDirectory ?? join('reports', root, 'lint');
  mkdirSync(join(context.root, reportsDirectory), { recursive: true });
  const commands = buildLintCommands({
    workspaceRoot: context.root,
    projectRoot: root,
    paths,
    tools: { ruff, mypy },
    typecheck,
    strict: options.strict ?? true,
    fix: options.fix ?? false,
    reportsDirectory,
  });

  const results: ToolResult[] = [];
  for (const command of commands) {
    logger.info(`> ${command.label}: ${formatCommand(command)}`);
    results.push(await runTool(command, SETUP_FIX));
  }
  const failed = results.filter((result) => result.exitCode !== 0);
  const summary = results.map((r) => `${r.label} ${r.exitCode === 0 ? 'ok' : `failed (exit ${r.exitCode})`}`);
  (failed.length ? logger.error : logger.info)(`lint ${name}: ${summary.join(', ')}`);
  const gate: GateResult = {
    project: name,
    gate: 'lint',
    // Failing checks out of ruff check, ruff format and mypy; each lists its errors above.
    measured: failed.length,
    threshold: 0,
    passed: failed.length === 0,
    report: reportsDirectory,
  };
  if (failed.length)
    gate.reason = `${failed.map((r) => r.label).join(', ')} reported errors (listed above); run with fix: true for what ruff can fix`;
  writeGateResults(join(context.root, reportsDirectory), [gate]);
  return { success: failed.length === 0 };
}

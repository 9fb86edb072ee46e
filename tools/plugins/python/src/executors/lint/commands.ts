import { join } from 'node:path';
import type { ToolCommand } from '@customercare/nx-core';

export interface LintPlan {
  workspaceRoot: string;
  projectRoot: string;
  /** Project-relative folders that exist. */
  paths: string[];
  /** Absolute paths of the tools, as the resolver found them. */
  tools: { ruff: string; mypy: string };
  typecheck: boolean;
  strict: boolean;
  fix: boolean;
  reportsDirectory: string;
}

/** The commands a Python lint runs, in order. Pure: it only builds argv, so it is tested without running. */
export function buildLintCommands(plan: LintPlan): ToolCommand[] {
  const cwd = join(plan.workspaceRoot, plan.projectRoot);
  const { ruff } = plan.tools;
  const reports = join(plan.workspaceRoot, plan.reportsDirectory);
  const commands: ToolCommand[] = [
    {
      label: 'ruff check',
      command: ruff,
      args: ['check', '--output-format=concise', ...(plan.fix ? ['--fix'] : []), ...plan.paths],
      cwd,
    },
    {
      label: 'ruff format',
      command: ruff,
      args: ['format', ...(plan.fix ? [] : ['--check', '--diff']), ...plan.paths],
      cwd,
    },
  ];
  if (plan.typecheck) {
    commands.push({
      label: 'mypy',
      command: plan.tools.mypy,
      args: [
        ...(plan.strict ? ['--strict'] : []),
        '--junit-xml',
        join(reports, 'mypy-junit.xml'),
        '--cache-dir',
        join(plan.workspaceRoot, '.cache', 'mypy', plan.projectRoot),
        ...plan.paths,
      ],
      cwd,
    });
  }
  return commands;
}

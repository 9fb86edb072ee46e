import { buildLintCommands, type LintPlan } from './commands';

const plan: LintPlan = {
  workspaceRoot: '/ws',
  projectRoot: 'apps/api',
  paths: ['src', 'tests'],
  tools: { ruff: '/ws/.venv/bin/ruff', mypy: '/ws/.venv/bin/mypy' },
  typecheck: true,
  strict: true,
  fix: false,
  reportsDirectory: 'reports/apps/api/lint',
};

describe('buildLintCommands', () => {
  it('runs ruff check, ruff format --check and strict mypy from the venv, in the project', () => {
    expect(buildLintCommands(plan)).toEqual([
      {
        label: 'ruff check',
        command: '/ws/.venv/bin/ruff',
        args: ['check', '--output-format=concise', 'src', 'tests'],
        cwd: '/ws/apps/api',
      },
      {
        label: 'ruff format',
        command: '/ws/.venv/bin/ruff',
        args: ['format', '--check', '--diff', 'src', 'tests'],
        cwd: '/ws/apps/api',
      },
      {
        label: 'mypy',
        command: '/ws/.venv/bin/mypy',
        args: [
          '--strict',
          '--junit-xml',
          '/ws/reports/apps/api/lint/mypy-junit.xml',
          '--cache-dir',
          '/ws/.cache/mypy/apps/api',
          'src',
          'tests',
        ],
        cwd: '/ws/apps/api',
      },
    ]);
  });

  it('fixes instead of checking with fix, and can drop strict or mypy', () => {
    const commands = buildLintCommands({ ...plan, fix: true, strict: false });
    expect(commands[0].args).toEqual(['check', '--output-format=concise', '--fix', 'src', 'tests']);
    expect(commands[1].args).toEqual(['format', 'src', 'tests']);
    expect(commands[2].args).not.toContain('--strict');
    expect(buildLintCommands({ ...plan, typecheck: false }).map((c) => c.label)).toEqual(['ruff check', 'ruff format']);
  });

  it('runs the tools where the resolver found them (another venv, or RUFF / MYPY overrides)', () => {
    const commands = buildLintCommands({ ...plan, tools: { ruff: '/opt/venv/bin/ruff', mypy: '/opt/mypy/bin/mypy' } });
    expect(commands.map((c) => c.command)).toEqual(['/opt/venv/bin/ruff', '/opt/venv/bin/ruff', '/opt/mypy/bin/mypy']);
  });
});

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_PYPROJECT, pythonWorkspace, WORKSPACE_ROOT } from '@customercare/nx-core/testing';
import testExecutor from './executor';

const workspaceGates = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'gates.json'), 'utf8'));

const CODE = `def add(a: int, b: int) -> int:
    return a + b


def unused(x: int) -> int:
    if x > 0:
        return x
    return -x
`;

describe('test executor (real pytest runs)', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes, and writes JUnit, Cobertura, LCOV and the coverage gate result', async () => {
    const ws = pythonWorkspace({
      'pyproject.toml': FIXTURE_PYPROJECT,
      'src/calc/__init__.py': CODE,
      'tests/test_calc.py':
        'from calc import add, unused\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n    assert unused(-2) == 2\n    assert unused(2) == 2\n',
    });
    root = ws.root;
    await expect(testExecutor({}, ws.context)).resolves.toEqual({ success: true });
    const reports = join(root, 'reports/apps/fixture/test');
    for (const file of ['junit.xml', 'coverage.xml', 'lcov.info', 'coverage.json']) {
      expect(existsSync(join(reports, file))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(reports, 'gate-results.json'), 'utf8'))).toEqual([
      {
        project: 'fixture',
        gate: 'coverage',
        measured: 100,
        threshold: 80,
        passed: true,
        report: 'reports/apps/fixture/test/coverage.xml',
      },
    ]);
  });

  it('fails the coverage gate on uncovered code, with the number and the threshold', async () => {
    const ws = pythonWorkspace({
      'pyproject.toml': FIXTURE_PYPROJECT,
      'src/calc/__init__.py': CODE,
      'tests/test_calc.py': 'from calc import add\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n',
    });
    root = ws.root;
    await expect(testExecutor({}, ws.context)).resolves.toEqual({ success: false });
    const [result] = JSON.parse(readFileSync(join(root, 'reports/apps/fixture/test/gate-results.json'), 'utf8'));
    expect(result).toMatchObject({ gate: 'coverage', threshold: 80, passed: false });
    expect(result.measured).toBeLessThan(80);
    expect(result.reason).toMatch(/^coverage [\d.]+% is below 80%/);
  });

  it('reads a per-project threshold from the gates config', async () => {
    const ws = pythonWorkspace(
      {
        'pyproject.toml': FIXTURE_PYPROJECT,
        'src/calc/__init__.py': CODE,
        'tests/test_calc.py': 'from calc import add\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n',
      },
      { ...workspaceGates, projects: { fixture: { coverage: { min: 10 } } } },
    );
    root = ws.root;
    await expect(testExecutor({}, ws.context)).resolves.toEqual({ success: true });
  });

  it('fails when a test fails, and names it', async () => {
    const ws = pythonWorkspace({
      'pyproject.toml': FIXTURE_PYPROJECT,
      'src/calc/__init__.py': CODE,
      'tests/test_calc.py': 'from calc import add\n\n\ndef test_add_is_broken() -> None:\n    assert add(1, 2) == 4\n',
    });
    root = ws.root;
    await expect(testExecutor({}, ws.context)).resolves.toEqual({ success: false });
    expect(readFileSync(join(root, 'reports/apps/fixture/test/junit.xml'), 'utf8')).toContain('test_add_is_broken');
  });

  it('fails when no test is collected instead of passing silently', async () => {
    const ws = pythonWorkspace({
      'pyproject.toml': FIXTURE_PYPROJECT,
      'src/calc/__init__.py': CODE,
      'tests/helpers.py': 'X = 1\n',
    });
    root = ws.root;
    await expect(testExecutor({}, ws.context)).resolves.toEqual({ success: false });
  });

  it('explains a missing virtual environment', async () => {
    const ws = pythonWorkspace({ 'pyproject.toml': FIXTURE_PYPROJECT });
    root = ws.root;
    await expect(testExecutor({ venv: 'no-such-venv' }, ws.context)).rejects.toThrow(
      /no-such-venv\/bin\/python does not exist\. Run `npm run setup`/,
    );
  });

  it('refuses a malformed gates config before running anything', async () => {
    const ws = pythonWorkspace({ 'pyproject.toml': FIXTURE_PYPROJECT }, { defaults: { coverage: { min: 120 } } });
    root = ws.root;
    await expect(testExecutor({}, ws.context)).rejects.toThrow(
      /gates\.json does not match its schema[\s\S]*\/defaults\/coverage\/min must be <= 100/,
    );
  });
});

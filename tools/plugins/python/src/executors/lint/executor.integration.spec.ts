import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_PYPROJECT, pythonWorkspace } from '@customercare/nx-core/testing';
import lintExecutor from './executor';

const CLEAN = 'def add(a: int, b: int) -> int:\n    return a + b\n';

describe('lint executor (real ruff and mypy runs)', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes clean, typed code', async () => {
    const ws = pythonWorkspace({ 'pyproject.toml': FIXTURE_PYPROJECT, 'src/calc/__init__.py': CLEAN });
    root = ws.root;
    await expect(lintExecutor({}, ws.context)).resolves.toEqual({ success: true });
  });

  it.each([
    ['a ruff error', 'import os\n\n\n' + CLEAN],
    ['unformatted code', 'def add(a: int,b: int)->int:\n    return a+b\n'],
    ['a strict mypy error', 'def add(a, b):\n    return a + b\n'],
  ])('fails on %s', async (_what, code) => {
    const ws = pythonWorkspace({ 'pyproject.toml': FIXTURE_PYPROJECT, 'src/calc/__init__.py': code });
    root = ws.root;
    await expect(lintExecutor({}, ws.context)).resolves.toEqual({ success: false });
  });

  it('fails when there is nothing to lint, naming the option to set', async () => {
    const ws = pythonWorkspace({ 'pyproject.toml': FIXTURE_PYPROJECT });
    root = ws.root;
    await expect(lintExecutor({ paths: ['lib'] }, ws.context)).resolves.toEqual({ success: false });
  });
});

describe('lint executor gate result', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes a failing lint GateResult naming the check that failed', async () => {
    const ws = pythonWorkspace({
      'pyproject.toml': FIXTURE_PYPROJECT,
      'src/calc/__init__.py': 'import os\n\n\n' + CLEAN,
    });
    root = ws.root;
    await expect(lintExecutor({ typecheck: false }, ws.context)).resolves.toEqual({ success: false });
    const [result] = JSON.parse(readFileSync(join(root, 'reports/apps/fixture/lint/gate-results.json'), 'utf8'));
    expect(result).toEqual({
      project: 'fixture',
      gate: 'lint',
      measured: 1,
      threshold: 0,
      passed: false,
      report: 'reports/apps/fixture/lint',
      reason: expect.stringContaining('ruff check reported errors'),
    });
  });
});

import { rmSync } from 'node:fs';
import { inferenceContext, uvLockFixture, workspaceWith } from '@customercare/nx-core/testing';
import { createNodesV2 } from '../index';

const [, infer] = createNodesV2;

describe('scan target of Python projects', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds scan to every pyproject.toml with a [project] table, hashed with its locked packages and scanners', async () => {
    root = workspaceWith(
      {
        'pyproject.toml': '[tool.uv.workspace]\nmembers = ["apps/api"]\n',
        'apps/api/pyproject.toml': '[project]\nname = "api"\nversion = "1.0.0"\n',
        'uv.lock': uvLockFixture(),
      },
      'nx-scan-python-',
    );
    const results = await infer(['pyproject.toml', 'apps/api/pyproject.toml'], {}, inferenceContext(root));
    // The workspace root has no [project] table: no target, no project.
    expect(results.find(([file]) => file === 'pyproject.toml')?.[1]).toEqual({});
    const project = results.find(([file]) => file === 'apps/api/pyproject.toml')?.[1].projects?.['apps/api'];
    // Only the target: the project, its name and lint/test come from @customercare/nx-python.
    expect(project?.name).toBeUndefined();
    expect(Object.keys(project?.targets ?? {})).toEqual(['scan']);
    const scan = project?.targets?.['scan'];
    expect(scan?.executor).toBe('@customercare/nx-scan:scan');
    expect(scan?.options).toEqual({ venv: '.venv', reportsDirectory: 'reports/apps/api/scan' });
    expect(scan?.inputs).toContainEqual({
      externalDependencies: expect.arrayContaining(['pypi:fastapi']),
    });
  });

  it('honours the target name and venv options', async () => {
    root = workspaceWith({ 'svc/pyproject.toml': '[project]\nname = "svc"\n' }, 'nx-scan-python-');
    const [[, result]] = await infer(
      ['svc/pyproject.toml'],
      { scanTargetName: 'py-scan', venv: 'env' },
      inferenceContext(root),
    );
    expect(result.projects?.['svc']?.targets?.['py-scan']?.options).toEqual({
      venv: 'env',
      reportsDirectory: 'reports/svc/py-scan',
    });
  });
});

import { rmSync } from 'node:fs';
import { readPyproject } from '@customercare/nx-core/inference';
import { inferenceContext, uvLockFixture, workspaceWith, writeFiles } from '@customercare/nx-core/testing';
import { createNodes, createNodesV2 } from '../index';

// Counting reads proves the cache: every call still goes through the real parser.
jest.mock('@customercare/nx-core/inference', () => {
  const actual = jest.requireActual<typeof import('@customercare/nx-core/inference')>(
    '@customercare/nx-core/inference',
  );
  return { ...actual, readPyproject: jest.fn(actual.readPyproject) };
});

const workspace = (files: Record<string, string>) => workspaceWith(files, 'nx-python-infer-');

const context = inferenceContext;

const [glob, infer] = createNodesV2;

describe('createNodesV2', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('infers lint and test for every pyproject.toml with a [project] table', async () => {
    root = workspace({
      'pyproject.toml': '[tool.uv.workspace]\nmembers = ["apps/api", "libs/kit"]\n',
      'apps/api/pyproject.toml': '[project]\nname = "api"\ndescription = "The API"\nversion = "1.0.0"\n',
      'apps/api/src/api/__init__.py': '',
      'libs/kit/pyproject.toml': '[project]\nname = "kit"\nversion = "0.1.0"\n',
      'uv.lock': uvLockFixture(),
    });
    const files = ['pyproject.toml', 'apps/api/pyproject.toml', 'libs/kit/pyproject.toml', 'uv.lock'];
    const results = await infer(files, {}, context(root));
    expect(results).toMatchSnapshot();
    // Each target names the tools it runs and the project's locked packages; no target names the
    // root pyproject.toml or uv.lock, which a new uv member rewrites.
    const api = results.find(([file]) => file === 'apps/api/pyproject.toml')?.[1].projects?.['apps/api'].targets ?? {};
    expect(api['lint'].inputs).toEqual([
      'default',
      '^production',
      '{workspaceRoot}/ruff.toml',
      { externalDependencies: ['pypi:ruff', 'pypi:fastapi', 'pypi:pydantic', 'pypi:pytest-asyncio'] },
    ]);
    expect(api['test'].inputs).toContainEqual({
      externalDependencies: ['pypi:pytest', 'pypi:fastapi', 'pypi:pydantic', 'pypi:pytest-asyncio'],
    });
    expect(JSON.stringify(results)).not.toMatch(/\{workspaceRoot\}\/(uv\.lock|pyproject\.toml)/);
    expect(Object.keys(results.find(([file]) => file === 'uv.lock')?.[1].externalNodes ?? {})).toContain(
      'pypi:starlette',
    );
  });

  it('honours target names and the venv option', async () => {
    root = workspace({ 'svc/pyproject.toml': '[project]\nname = "svc"\n' });
    const [[, result]] = await infer(
      ['svc/pyproject.toml'],
      { lintTargetName: 'py-lint', testTargetName: 'py-test', venv: 'env' },
      context(root),
    );
    const targets = result.projects?.['svc']?.targets ?? {};
    expect(Object.keys(targets)).toEqual(['py-lint', 'py-test']);
    expect(targets['py-test'].options).toEqual({ venv: 'env', reportsDirectory: 'reports/svc/py-test' });
  });

  it('names the file, line and fix when a pyproject.toml is malformed, and keeps the other projects', async () => {
    root = workspace({
      'good/pyproject.toml': '[project]\nname = "good"\n',
      'bad/pyproject.toml': '[project\nname = "bad"\n',
    });
    const error = await Promise.resolve(infer(['good/pyproject.toml', 'bad/pyproject.toml'], {}, context(root))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'AggregateCreateNodesError' });
    const aggregate = error as { errors: Array<[string, Error]>; partialResults: Array<[string, unknown]> };
    expect(aggregate.errors).toHaveLength(1);
    expect(aggregate.errors[0][0]).toBe('bad/pyproject.toml');
    expect(aggregate.errors[0][1].message).toMatch(/^bad\/pyproject\.toml:1:\d+: not valid TOML: .* Fix the file/);
    expect(aggregate.partialResults.map(([file]) => file)).toEqual(['good/pyproject.toml']);
  });

  it('refuses an invalid project name with the rule in the message', async () => {
    root = workspace({ 'x/pyproject.toml': '[project]\nname = "-nope"\n' });
    const error = await Promise.resolve(infer(['x/pyproject.toml'], {}, context(root))).catch((e: unknown) => e);
    expect((error as { errors: Array<[string, Error]> }).errors[0][1].message).toContain(
      'x/pyproject.toml: [project].name must be a valid Python package name',
    );
  });

  it('serves an unchanged file from the inference cache, and re-reads a changed one', async () => {
    // Unique names: the cache outlives this test run, and a name seen before would be a hit.
    const unique = `${process.pid}-${Date.now()}`;
    root = workspace({ 'svc/pyproject.toml': `[project]\nname = "svc-${unique}"\n` });
    const read = jest.mocked(readPyproject);
    read.mockClear();
    const first = await infer(['svc/pyproject.toml'], {}, context(root));
    expect(await infer(['svc/pyproject.toml'], {}, context(root))).toEqual(first);
    expect(read).toHaveBeenCalledTimes(1);
    writeFiles(root, { 'svc/pyproject.toml': `[project]\nname = "renamed-${unique}"\n` });
    const [[, result]] = await infer(['svc/pyproject.toml'], {}, context(root));
    expect(result.projects?.['svc']?.name).toBe(`renamed-${unique}`);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('matches pyproject.toml anywhere and is exported under both names', () => {
    expect(glob).toContain('**/pyproject.toml');
    expect(createNodes).toBe(createNodesV2);
  });
});

/**
 * A small uv.lock in uv's own layout: members `api` (apps/api, which depends on the member `kit`
 * and on fastapi, with pytest-asyncio in its dev group) and `kit` (libs/kit, which depends on
 * pydantic); fastapi pulls in starlette and pydantic; anyio is locked in two versions (a forked
 * resolution); the workspace's dev group locks ruff and pytest.
 */
export function uvLockFixture(versions: { starlette?: string; ruff?: string } = {}): string {
  const pkg = (name: string, version: string, deps: string[] = [], extra = '') =>
    [
      '[[package]]',
      `name = "${name}"`,
      `version = "${version}"`,
      'source = { registry = "https://pypi.org/simple" }',
      ...(deps.length > 0 ? ['dependencies = [', ...deps.map((dep) => `    ${dep},`), ']'] : []),
      `sdist = { url = "https://files.example/${name}-${version}.tar.gz", hash = "sha256:${name}${version}" }`,
      extra,
      '',
    ].join('\n');
  return [
    'version = 1',
    'revision = 3',
    'requires-python = ">=3.11"',
    '',
    '[manifest]',
    'members = ["api", "kit"]',
    '',
    '[manifest.dependency-groups]',
    'dev = [{ name = "pytest", specifier = ">=8" }, { name = "ruff", specifier = ">=0.14" }]',
    '',
    pkg('anyio', '3.7.1'),
    pkg('anyio', '4.11.0'),
    '[[package]]',
    'name = "api"',
    'version = "0.1.0"',
    'source = { editable = "apps/api" }',
    'dependencies = [',
    '    { name = "fastapi" },',
    '    { name = "kit" },',
    ']',
    '',
    '[package.dev-dependencies]',
    'dev = [',
    '    { name = "pytest-asyncio" },',
    ']',
    '',
    pkg('fastapi', '0.120.0', ['{ name = "pydantic" }', '{ name = "starlette" }']),
    '[[package]]',
    'name = "kit"',
    'version = "0.1.0"',
    'source = { editable = "libs/kit" }',
    'dependencies = [',
    '    { name = "pydantic" },',
    ']',
    '',
    pkg('pydantic', '2.12.0'),
    pkg('pytest', '8.4.2'),
    pkg('pytest-asyncio', '1.2.0', ['{ name = "pytest" }']),
    pkg('ruff', versions.ruff ?? '0.14.0'),
    pkg('starlette', versions.starlette ?? '0.48.0', [
      '{ name = "anyio", version = "4.11.0", source = { registry = "https://pypi.org/simple" } }',
    ]),
  ].join('\n');
}

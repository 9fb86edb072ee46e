import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from './testing/nx-workspace';
import { callScript } from './testing/script-module';

const SCRIPT = join(WORKSPACE_ROOT, 'tools', 'scripts', 'affected.mjs');
const run = promisify(execFile);

const call = (fn: string, ...args: unknown[]) => callScript(SCRIPT, fn, ...args);

const entry = (name: string, version: string, source = '{ registry = "https://pypi.org/simple" }') =>
  `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = ${source}\nsdist = { url = "https://x/${name}.tar.gz", hash = "sha256:${name}${version}" }\n`;

describe('affected.mjs: uv.lock changes to projects', () => {
  it('lists the locked packages added, removed or changed, ignoring workspace members', async () => {
    const base = [
      'version = 1\n',
      entry('fastapi', '0.120.0'),
      entry('ruff', '0.14.0'),
      entry('six', '1.16.0'),
      entry('api', '0.1.0', '{ editable = "apps/api" }'),
    ].join('\n');
    const head = [
      'version = 1\n',
      entry('fastapi', '0.121.0'),
      entry('ruff', '0.14.0'),
      entry('idna', '3.10'),
      entry('api', '0.1.0', '{ editable = "apps/api" }'),
      entry('orders', '0.1.0', '{ editable = "apps/orders" }'),
    ].join('\n');
    expect(await call('changedLockedPackages', base, head)).toEqual([
      { name: 'fastapi', from: '0.120.0', to: '0.121.0' },
      { name: 'idna', from: null, to: '3.10' },
      { name: 'six', from: '1.16.0', to: null },
    ]);
    // A new member only: nothing another project resolves to moved.
    expect(
      await call(
        'changedLockedPackages',
        base,
        base.replace('version = 1\n', `version = 1\n\n${entry('orders', '0.1.0', '{ editable = "apps/orders" }')}`),
      ),
    ).toEqual([]);
    // The same version from another artifact (a re-uploaded or re-hashed file) is a change too.
    expect(await call('changedLockedPackages', base, base.replace('sha256:ruff0.14.0', 'sha256:other'))).toEqual([
      { name: 'ruff', from: '0.14.0', to: '0.14.0' },
    ]);
  });

  it('reaches projects through their package edges (transitively) and through the tools their targets name', async () => {
    // api -> pypi:fastapi -> pypi:starlette; kit runs ruff (lint externalDependencies); web has neither.
    const graph = {
      nodes: {
        api: { data: { root: 'apps/api', targets: {} } },
        kit: {
          data: {
            root: 'libs/kit',
            targets: { lint: { inputs: ['default', { externalDependencies: ['pypi:ruff'] }] } },
          },
        },
        web: { data: { root: 'apps/web', targets: { lint: { inputs: [{ externalDependencies: ['eslint'] }] } } } },
      },
      externalNodes: {
        'pypi:fastapi': { type: 'pypi', data: { packageName: 'fastapi' } },
        'pypi:starlette': { type: 'pypi', data: { packageName: 'starlette' } },
        'pypi:ruff': { type: 'pypi', data: { packageName: 'ruff' } },
        'npm:starlette': { type: 'npm', data: { packageName: 'starlette' } },
      },
      dependencies: {
        api: [{ source: 'api', target: 'pypi:fastapi' }],
        'pypi:fastapi': [{ source: 'pypi:fastapi', target: 'pypi:starlette' }],
        web: [{ source: 'web', target: 'npm:starlette' }],
      },
    };
    expect(await call('projectsReachedByPackages', graph, ['starlette'])).toEqual({ api: ['starlette'] });
    expect(await call('projectsReachedByPackages', graph, ['ruff', 'fastapi'])).toEqual({
      api: ['fastapi'],
      kit: ['ruff'],
    });
    expect(await call('projectsReachedByPackages', graph, ['left-pad'])).toEqual({});
  });

  it('refuses --files (it computes them) and a --base without a ref, saying what to do', async () => {
    await expect(run(process.execPath, [SCRIPT, '-t', 'lint', '--files=a.py'])).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'affected: --files is what this script computes; call `nx affected --files=...` directly',
      ),
    });
    await expect(run(process.execPath, [SCRIPT, '-t', 'lint', '--base='])).rejects.toMatchObject({
      stderr: expect.stringContaining('affected: --base= needs a git ref, e.g. --base=origin/main'),
    });
  });
});

import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  normalizeMtimes,
  parsePythonTarget,
  STAGED_MTIME,
  parseWorkspacePackages,
  uvExportCommand,
  uvInstallCommands,
} from './python-context';

describe('python context', () => {
  it('turns the base interpreter into uv cross-install flags', () => {
    expect(parsePythonTarget('3.11.2 x86_64 glibc 2.36\n')).toEqual({
      version: '3.11.2',
      platform: 'x86_64-manylinux_2_36',
    });
    expect(() => parsePythonTarget('3.12.1 x86_64  \n')).toThrow('not linked against glibc');
    expect(() => parsePythonTarget('sh: python3: not found')).toThrow(
      "Unexpected answer from the base image's python3",
    );
  });

  it('finds the workspace packages in an export', () => {
    expect(parseWorkspacePackages('./apps/backend\n./libs/service-kit\nalembic==1.2 \\\n    # via backend\n')).toEqual([
      './apps/backend',
      './libs/service-kit',
    ]);
  });

  it('exports the locked runtime set only', () => {
    expect(uvExportCommand('uv', 'backend', '/c/requirements.txt', '/w').args).toEqual([
      'export',
      '--package',
      'backend',
      '--frozen',
      '--no-dev',
      '--no-editable',
      '--no-header',
      '--no-emit-workspace',
      '--quiet',
      '--output-file',
      '/c/requirements.txt',
    ]);
  });

  it('installs hash-checked third-party packages, then the workspace packages, for the target interpreter', () => {
    const [thirdParty, workspace] = uvInstallCommands(
      'uv',
      { version: '3.11.2', platform: 'x86_64-manylinux_2_36' },
      'req.txt',
      ['./libs/kit'],
      '/c/site-packages',
      '/w',
    );
    expect(thirdParty.args).toEqual([
      'pip',
      'install',
      '--quiet',
      '--target',
      '/c/site-packages',
      '--python-version',
      '3.11.2',
      '--python-platform',
      'x86_64-manylinux_2_36',
      '--no-deps',
      '--require-hashes',
      '--requirements',
      'req.txt',
    ]);
    expect(workspace.args.slice(-2)).toEqual(['--no-deps', './libs/kit']);
    expect(uvInstallCommands('uv', { version: '3.11.2', platform: 'p' }, 'r', [], '/s', '/w')).toHaveLength(1);
  });
});

describe('normalizeMtimes', () => {
  it('gives every file and folder the same mtime, so an unchanged context hits the layer cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-mtime-'));
    try {
      mkdirSync(join(dir, 'pkg'));
      writeFileSync(join(dir, 'pkg', 'a.py'), 'x = 1\n');
      normalizeMtimes(dir);
      for (const path of [dir, join(dir, 'pkg'), join(dir, 'pkg', 'a.py')])
        expect(statSync(path).mtimeMs).toBe(STAGED_MTIME * 1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctorRows, formatDoctor, formatDoctorShort, rowFails } from './doctor';
import { compareVersions, findTool, resolveTool, ToolError } from './resolve';

/**
 * A throw-away workspace with its own tools/toolchain.json and uv.lock, and fake tools that print
 * a version (and count their runs), so every rule of the resolver is checked without real tools.
 */
let root: string;

function fakeTool(path: string, version: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho run >> "${path}.runs"\necho "${version}"\n`);
  chmodSync(path, 0o755);
}

const runs = (path: string) => {
  try {
    return readFileSync(`${path}.runs`, 'utf8').trim().split('\n').length;
  } catch {
    return 0;
  }
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'resolver-'));
  mkdirSync(join(root, 'tools'));
  writeFileSync(
    join(root, 'tools/toolchain.json'),
    JSON.stringify({
      tools: {
        // Unique names, so no real tool in /usr/bin can answer for them.
        'ccg-pinned': {
          kind: 'workspace',
          version: 'v1.2.3',
          env: 'CCG_PINNED',
          versionArgs: ['version'],
          versionPattern: '^ccg (v\\S+)',
          installedBy: 'tools/scripts/setup.d/99-test.sh',
          neededBy: ['perf'],
        },
        'ccg-venv': {
          kind: 'venv',
          package: 'ccg-venv',
          env: 'CCG_VENV',
          versionArgs: ['--version'],
          versionPattern: '^ccg (\\S+)',
          installedBy: 'setup.sh (uv sync)',
          neededBy: ['lint'],
        },
        'ccg-optional': {
          kind: 'external',
          env: 'CCG_OPTIONAL',
          versionArgs: ['--version'],
          versionPattern: '(\\S+)',
          installedBy: 'you',
          neededBy: ['scan'],
        },
      },
    }),
  );
  writeFileSync(
    join(root, 'uv.lock'),
    'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "ccg-venv"\nversion = "0.9.0"\nsource = { registry = "https://pypi.org/simple" }\n',
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveTool', () => {
  it('finds a pinned tool in the workspace .cache/bin and checks its version once per binary', () => {
    const tool = join(root, '.cache/bin/ccg-pinned');
    fakeTool(tool, 'ccg v1.2.3');
    expect(resolveTool('ccg-pinned', { workspaceRoot: root, env: {} })).toEqual({
      name: 'ccg-pinned',
      path: tool,
      origin: 'workspace',
      version: 'v1.2.3',
    });
    expect(findTool('ccg-pinned', { workspaceRoot: root, env: {} })).toMatchObject({ path: tool, origin: 'workspace' });
    expect(runs(tool)).toBe(1);
  });

  it('never searches PATH: a tool only on PATH is missing, with the one fix to run', () => {
    const onPath = join(root, 'home/go/bin');
    fakeTool(join(onPath, 'ccg-pinned'), 'ccg v1.2.3');
    const saved = process.env['PATH'];
    process.env['PATH'] = `${onPath}:${saved}`;
    try {
      expect(() => resolveTool('ccg-pinned', { workspaceRoot: root, env: {} })).toThrow(
        `ccg-pinned is not installed: not in ${join(root, '.cache/bin/ccg-pinned')}, the system folders (CCG_PINNED is not set; PATH is not searched). ` +
          'Run `npm run setup` (tools/scripts/setup.d/99-test.sh installs ccg-pinned v1.2.3 into .cache/bin), or set CCG_PINNED to the path of ccg-pinned v1.2.3.',
      );
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it('fails a tool at another version than the pin, naming both and the fix', () => {
    fakeTool(join(root, '.cache/bin/ccg-pinned'), 'ccg v1.2.0');
    let error: unknown;
    try {
      resolveTool('ccg-pinned', { workspaceRoot: root, env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('TOOL_VERSION');
    expect((error as ToolError).message).toMatch(/is version v1\.2\.0, not the pinned v1\.2\.3\. Run `npm run setup`/);
  });

  it('takes the explicit override first, and refuses one that is not an executable file', () => {
    fakeTool(join(root, '.cache/bin/ccg-pinned'), 'ccg v1.2.3');
    const override = join(root, 'opt/ccg-pinned');
    fakeTool(override, 'ccg v1.2.3');
    expect(resolveTool('ccg-pinned', { workspaceRoot: root, env: { CCG_PINNED: override } })).toMatchObject({
      path: override,
      origin: 'override',
    });
    expect(() => findTool('ccg-pinned', { workspaceRoot: root, env: { CCG_PINNED: 'ccg-pinned' } })).toThrow(
      'CCG_PINNED=ccg-pinned is not an executable file (it must be an absolute path). Unset CCG_PINNED, or point it at ccg-pinned v1.2.3.',
    );
  });

  it("prefers the target's virtual environment for a Python tool and pins it to the uv.lock version", () => {
    fakeTool(join(root, '.cache/bin/ccg-venv'), 'ccg 0.9.0');
    const venvTool = join(root, 'envs/py/bin/ccg-venv');
    fakeTool(venvTool, 'ccg 0.9.0');
    expect(resolveTool('ccg-venv', { workspaceRoot: root, venv: join(root, 'envs/py'), env: {} })).toMatchObject({
      path: venvTool,
      origin: 'venv',
      version: '0.9.0',
    });
    fakeTool(join(root, '.venv/bin/ccg-venv'), 'ccg 1.0.0');
    expect(() => resolveTool('ccg-venv', { workspaceRoot: root, env: {} })).toThrow(
      /is version 1\.0\.0, not the pinned 0\.9\.0\. Run `npm run setup` \(it syncs \.venv from uv\.lock, which locks ccg-venv\)/,
    );
  });

  it('names a tool that is not in tools/toolchain.json as a mistake to fix there', () => {
    expect(() => resolveTool('wget', { workspaceRoot: root, env: {} })).toThrow(
      'No tool "wget" in tools/toolchain.json: add it there (kind, version, installer) before code runs it.',
    );
  });
});

describe('doctor', () => {
  it('lists every tool with its pin, what was found and where; a removed tool fails it with the fix, an optional one does not', () => {
    fakeTool(join(root, '.cache/bin/ccg-pinned'), 'ccg v1.2.3');
    fakeTool(join(root, '.venv/bin/ccg-venv'), 'ccg 0.9.0');
    let rows = doctorRows({ workspaceRoot: root, env: {} });
    expect(rows.map((r) => [r.tool, r.wanted, r.found, r.origin, r.status])).toEqual([
      ['ccg-pinned', 'v1.2.3', 'v1.2.3', 'workspace', 'ok'],
      ['ccg-venv', '0.9.0', '0.9.0', 'venv', 'ok'],
      ['ccg-optional', 'any', undefined, undefined, 'optional, absent'],
    ]);
    expect(rows.some(rowFails)).toBe(false);
    expect(formatDoctorShort(rows)).toBe('2 of 3 tools ok, 1 optional absent (`npm run doctor` for the table)');

    rmSync(join(root, '.cache/bin/ccg-pinned'));
    rows = doctorRows({ workspaceRoot: root, env: {} });
    expect(rows.filter(rowFails).map((r) => [r.tool, r.status])).toEqual([['ccg-pinned', 'missing']]);
    expect(formatDoctorShort(rows)).toMatch(/NOT OK: ccg-pinned \(missing\)/);
    expect(formatDoctor(rows)).toContain(
      'ccg-pinned: Run `npm run setup` (tools/scripts/setup.d/99-test.sh installs ccg-pinned v1.2.3 into .cache/bin)',
    );
  });
});

describe('compareVersions', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('2.6.12-1+deb12u4', '2.6')).toBeGreaterThanOrEqual(0);
    expect(compareVersions('2.10', '2.9')).toBeGreaterThan(0);
    expect(compareVersions('v1.2.0', '1.10')).toBeLessThan(0);
  });
});

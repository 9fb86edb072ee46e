import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Every process the plugins and the cache server start goes through core's runner (runTool,
 * runToolSync, startProcess in this folder): one result type, one "not found" message, process
 * groups, redaction. This test keeps it so: a source file elsewhere that imports node:child_process
 * fails it. Tests, test helpers (testing/ folders, testing.ts) and fixtures (plain scripts the
 * tests run) are not sources.
 */
const SCANNED = ['tools/plugins', 'tools/cache-server/src'];
const RUNNER_FOLDER = 'tools/plugins/core/src/process';
const IMPORT = /(?:from\s*|require\(\s*|import\(\s*)['"](?:node:)?child_process['"]/;

function isTestOnly(path: string): boolean {
  const parts = path.split('/');
  return (
    /\.(spec|test)\.[cm]?[jt]s$/.test(path) ||
    parts.some((part) => ['testing', 'fixtures', '__fixtures__', 'node_modules', 'dist'].includes(part)) ||
    /(^|\/)testing\.ts$/.test(path)
  );
}

function sources(root: string, folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, folder), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return ['node_modules', 'dist'].includes(entry.name) ? [] : sources(root, path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

/** The source files (relative to `root`) that start processes themselves instead of through core's runner. */
export function directProcessImports(root: string): string[] {
  return SCANNED.flatMap((folder) => sources(root, folder))
    .filter((path) => !path.startsWith(`${RUNNER_FOLDER}/`) && !isTestOnly(path))
    .filter((path) => IMPORT.test(readFileSync(join(root, path), 'utf8')))
    .sort();
}

const workspaceRoot = join(__dirname, '..', '..', '..', '..', '..');

describe('one process runner', () => {
  it('no plugin or cache-server source imports node:child_process outside core/src/process', () => {
    expect(relative(workspaceRoot, __dirname).split(sep).join('/')).toBe(RUNNER_FOLDER);
    expect(directProcessImports(workspaceRoot)).toEqual([]);
  });

  it('finds a seeded violation, in any import form, and leaves tests, helpers and the runner alone', () => {
    const root = mkdtempSync(join(tmpdir(), 'one-runner-'));
    try {
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      write('tools/plugins/perf/src/service.ts', "import { spawn } from 'node:child_process';\n");
      write('tools/plugins/deploy/src/backup.js', "const { execFile } = require('child_process');\n");
      write('tools/cache-server/src/server.ts', "const cp = await import('node:child_process');\n");
      write('tools/plugins/scan/src/clean.ts', "import { runTool } from '@customercare/nx-core';\n");
      write(`${RUNNER_FOLDER}/run.ts`, "import { spawn } from 'node:child_process';\n");
      write('tools/plugins/perf/src/service.spec.ts', "import { spawn } from 'node:child_process';\n");
      write('tools/plugins/perf/src/testing.ts', "import { spawn } from 'node:child_process';\n");
      write('tools/cache-server/src/testing/replicas.ts', "import { spawn } from 'node:child_process';\n");
      write('tools/plugins/perf/src/fixtures/server.mjs', "import { spawn } from 'node:child_process';\n");
      expect(directProcessImports(root)).toEqual([
        'tools/cache-server/src/server.ts',
        'tools/plugins/deploy/src/backup.js',
        'tools/plugins/perf/src/service.ts',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

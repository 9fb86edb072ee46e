import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, nx } from './workspace-copy';

/**
 * The remote cache only helps when two machines compute the same Nx hash for the same commit.
 * Apart from file contents (equal in two clones by construction), a task's hash covers its
 * project's resolved configuration (Nx's `ProjectConfiguration` hash input): one absolute path of
 * the checkout in a target (a plugin copying a config's absolute report folder into a command, an
 * env var or an output) makes the hash differ in every clone, and no runner reuses another's
 * results. So: the same workspace in two folders must give the same project graph, byte for byte.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Where two JSON values differ: one line per differing leaf, `path: a | b`. */
function differences(a: Json, b: Json, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) !== Array.isArray(b)) return [`${path}: ${JSON.stringify(a)} | ${JSON.stringify(b)}`];
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) =>
      differences(
        (a as Record<string, Json>)[key] ?? null,
        (b as Record<string, Json>)[key] ?? null,
        path ? `${path}.${key}` : key,
      ),
    );
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)} | ${JSON.stringify(b)}`];
}

/** The project graph (every project's resolved targets and the dependencies) of the copy at `root`. */
function projectGraph(root: string): Json {
  const file = join(root, 'tmp', 'project-graph.json');
  const result = nx(root, ['graph', `--file=${file}`]);
  expect({ status: result.status, output: result.status === 0 ? '' : `${result.stdout}\n${result.stderr}` }).toEqual({
    status: 0,
    output: '',
  });
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

/** The project graphs of two copies, with each copy's own folder in the differences named `<root>`. */
function graphDifferences(a: string, b: string): string[] {
  return differences(projectGraph(a), projectGraph(b)).map((line) =>
    line.split(a).join('<root a>').split(b).join('<root b>'),
  );
}

describe('the same workspace in two folders hashes alike', () => {
  let a: string;
  let b: string;
  beforeAll(() => {
    a = copyWorkspace();
    b = copyWorkspace();
  });
  afterAll(() => {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  });

  it('gives the same project graph in both folders (no absolute path of the checkout in any target)', () => {
    expect(graphDifferences(a, b)).toEqual([]);
  });

  it('names the target when a config puts an absolute path of the checkout into one', () => {
    // What playwright.config.ts did before: its report folder as an absolute path, which
    // @nx/playwright copies into the e2e-ci targets' command and env.
    for (const root of [a, b]) {
      const config = join(root, 'apps/frontend-e2e/playwright.config.ts');
      const text = readFileSync(config, 'utf8');
      const relative = "const reports = '../../reports/apps/frontend-e2e/e2e';";
      expect(text).toContain(relative);
      writeFileSync(
        config,
        text.replace(relative, "const reports = join(import.meta.dirname, '../../reports/apps/frontend-e2e/e2e');"),
      );
    }
    const found = graphDifferences(a, b);
    expect(found).toContain(
      'graph.nodes.frontend-e2e.data.targets.e2e-ci--src/journeys.spec.ts.options.env.PLAYWRIGHT_JUNIT_OUTPUT_FILE: ' +
        '"<root a>/reports/apps/frontend-e2e/e2e/src-journeys-spec-ts/junit.xml" | ' +
        '"<root b>/reports/apps/frontend-e2e/e2e/src-journeys-spec-ts/junit.xml"',
    );
    expect(found.every((line) => line.includes('<root a>') && line.includes('<root b>'))).toBe(true);
  });
});

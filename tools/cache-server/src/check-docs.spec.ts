import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './testing/nx-workspace';
import { callScript } from './testing/script-module';

// tools/scripts/check-docs.mjs: the checks `npm test` runs over README.md and docs/ (check-docs target).
const SCRIPT = join(WORKSPACE_ROOT, 'tools/scripts/check-docs.mjs');
type Facts = { root: string; projects: Record<string, string[]>; generators: Record<string, string[]> };
const checkPage = (file: string, text: string, facts: Facts) =>
  callScript(SCRIPT, 'checkPage', file, text, facts) as Promise<string[]>;

describe('check-docs', () => {
  let root: string;
  let facts: Facts;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'check-docs-'));
    mkdirSync(join(root, 'docs/plugins'), { recursive: true });
    mkdirSync(join(root, 'apps/backend'), { recursive: true });
    writeFileSync(join(root, 'apps/backend/pyproject.toml'), '');
    writeFileSync(join(root, 'docs/plugins/perf.md'), '# perf\n');
    facts = {
      root,
      projects: { backend: ['lint', 'test', 'perf'] },
      generators: { '@customercare/nx-generators': ['python-service', 'service'] },
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes a page whose commands, paths and links exist', async () => {
    const page = [
      'Run `npx nx run backend:test` or `nx perf backend`, see `npx nx show project backend`.',
      'The file `apps/backend/pyproject.toml`, a pattern `apps/<name>/perf/*.yml`, [perf](plugins/perf.md#options).',
      'A build output `apps/backend/dist/monitoring/` and a report `reports/apps/backend/scan/scan.md`.',
      '`npx nx g @customercare/nx-generators:service orders`, and [a site](https://nx.dev).',
    ].join('\n');
    expect(await checkPage('docs/index.md', page, facts)).toEqual([]);
  });

  it('names each missing project, target, generator, path and link with its line', async () => {
    const page = [
      '`nx run frontend:test`',
      '`nx run backend:deploy` and `nx dast backend`',
      '`nx g @customercare/nx-generators:python-app x` and `nx g @customercare/nx-pipeline:init`',
      '`tools/nx-pipeline/src/gates/schema.json`',
      '[gone](plugins/scan.md)',
    ].join('\n');
    expect(await checkPage('docs/index.md', page, facts)).toEqual([
      'docs/index.md:1: no project "frontend" (see `npx nx show projects`)',
      'docs/index.md:2: backend has no target "deploy" (see `npx nx show project backend`)',
      'docs/index.md:2: backend has no target "dast" (see `npx nx show project backend`)',
      'docs/index.md:3: @customercare/nx-generators has no generator "python-app" (one of: python-service, service)',
      'docs/index.md:3: no generator plugin @customercare/nx-pipeline (see tools/plugins/*/generators.json)',
      'docs/index.md:4: `tools/nx-pipeline/src/gates/schema.json` does not exist (fix the path or the page)',
      'docs/index.md:5: link to plugins/scan.md points at nothing (no docs/plugins/scan.md)',
    ]);
  });

  it('covers README.md and every page under docs/', async () => {
    writeFileSync(join(root, 'README.md'), '# x\n');
    expect(await callScript(SCRIPT, 'docFiles', root)).toEqual(['README.md', 'docs/plugins/perf.md']);
  });
});

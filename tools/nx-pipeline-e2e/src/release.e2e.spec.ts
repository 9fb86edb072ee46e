import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copyWorkspace, git, nx } from './workspace-copy';

const IDENTITY = ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com'];

/** A commit with a conventional message that touches one file of a project. */
function commit(root: string, file: string, line: string, message: string): void {
  appendFileSync(join(root, file), line);
  git(root, 'add', file);
  git(root, ...IDENTITY, 'commit', '-qm', message);
}

/** `nx release --dry-run`: what the one release command would write, commit and tag, without doing it. */
function planRelease(root: string): string {
  const run = nx(root, ['release', '--dry-run', '--skip-publish', '--verbose']);
  expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}`.slice(-6000) }).toEqual({
    status: 0,
    output: '',
  });
  return run.stdout;
}

describe('nx release versions the deployable projects from conventional commits', () => {
  let root: string;
  beforeAll(() => {
    root = copyWorkspace();
    git(root, ...IDENTITY, 'tag', '--annotate', 'v0.1.0', '--message', 'v0.1.0');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('plans a patch from a fix: both manifests, the changelogs, the release commit and the v tag', () => {
    commit(root, 'apps/backend/src/customercare/__init__.py', '# fix\n', 'fix(backend): a fix the changelog lists');
    const plan = planRelease(root);
    // backend's version is read from the v0.1.0 tag, and pyproject.toml is written by @nxlv/python's version actions.
    expect(plan).not.toContain('Unable to resolve the current version from git tags');
    // (the file headers, "UPDATE <file> [dry-run]", go to stderr; the diffs to stdout)
    expect(plan).toMatch(/ {2}name = "backend"\s*\n- version = "0\.1\.0"\s*\n\+ version = "0\.1\.1"/);
    expect(plan).toMatch(
      / {4}"name": "@customercare\/frontend",\s*\n- {3}"version": "0\.1\.0",\s*\n\+ {3}"version": "0\.1\.1",/,
    );
    expect(plan).toMatch(/apps\/backend\/CHANGELOG\.md[^]*\+ - \*\*backend:\*\* a fix the changelog lists/);
    expect(plan).toContain('git commit --message chore(release): v0.1.1');
    expect(plan).toContain('git tag --annotate v0.1.1 --message v0.1.1');
  });

  it('plans 0.2.0 from a breaking change (a 0.x major bump is a minor one)', () => {
    commit(root, 'apps/frontend/index.html', '<!-- breaking -->\n', 'feat(frontend)!: a breaking change');
    const plan = planRelease(root);
    expect(plan).toMatch(/- version = "0\.1\.0"\s*\n\+ version = "0\.2\.0"/);
    expect(plan).toMatch(/- {3}"version": "0\.1\.0",\s*\n\+ {3}"version": "0\.2\.0",/);
    expect(plan).toContain('git tag --annotate v0.2.0 --message v0.2.0');
  });
});

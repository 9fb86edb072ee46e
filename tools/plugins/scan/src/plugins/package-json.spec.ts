import { rmSync } from 'node:fs';
import { packageJsonKind } from './package-json';
import { inferenceContext, workspaceWith } from '@customercare/nx-core/testing';

const workspace = (files: Record<string, string>) => workspaceWith(files, 'nx-pipeline-pkg-');

describe('package-json inference kind', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('adds a scan target to npm-workspace projects only: not the root, not Python projects, not stray package.json files', async () => {
    root = workspace({
      'package.json': JSON.stringify({ name: 'root', workspaces: ['apps/*', 'tools/*'] }),
      'apps/web/package.json': JSON.stringify({ name: '@acme/web' }),
      'tools/pyish/package.json': JSON.stringify({ name: 'pyish' }),
      'tools/pyish/pyproject.toml': '[project]\nname = "pyish"\n',
      'tools/web/src/__fixtures__/thing/package.json': JSON.stringify({ name: 'fixture' }),
    });
    const files = [
      'package.json',
      'apps/web/package.json',
      'tools/pyish/package.json',
      'tools/web/src/__fixtures__/thing/package.json',
    ];
    const results = await packageJsonKind.createNodes(files, {}, inferenceContext(root));
    const withProjects = results.filter(([, result]) => result.projects && Object.keys(result.projects).length > 0);
    expect(withProjects.map(([file]) => file)).toEqual(['apps/web/package.json']);
    expect(withProjects[0][1]).toMatchSnapshot();
  });

  it('honours scanTargetName', async () => {
    root = workspace({
      'package.json': JSON.stringify({ name: 'root', workspaces: { packages: ['libs/*'] } }),
      'libs/ui/package.json': JSON.stringify({ name: '@acme/ui' }),
    });
    const [[, result]] = await packageJsonKind.createNodes(
      ['libs/ui/package.json'],
      { scanTargetName: 'security' },
      inferenceContext(root),
    );
    expect(Object.keys(result.projects?.['libs/ui']?.targets ?? {})).toEqual(['security']);
    expect(result.projects?.['libs/ui']?.targets?.['security'].options).toEqual({
      reportsDirectory: 'reports/libs/ui/security',
    });
  });
});

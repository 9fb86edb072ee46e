import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { includeFiles } from './executor';

describe('include: workspace files copied into the staged context', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'include-'));
    mkdirSync(join(root, 'apps/web/dist/widget'), { recursive: true });
    mkdirSync(join(root, 'tmp/containers/apps/api'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const include = [{ from: 'apps/web/dist/widget/widget.js', to: 'widget/widget.js' }];

  it('copies each file to its place in the context', () => {
    writeFileSync(join(root, 'apps/web/dist/widget/widget.js'), '(()=>{})();');
    includeFiles({ include, context: 'python', file: 'apps/api/Containerfile' }, 'tmp/containers/apps/api', root);
    expect(readFileSync(join(root, 'tmp/containers/apps/api/widget/widget.js'), 'utf8')).toBe('(()=>{})();');
  });

  it('names the missing file and how to get it built first', () => {
    expect(() =>
      includeFiles({ include, context: 'python', file: 'apps/api/Containerfile' }, 'tmp/containers/apps/api', root),
    ).toThrow(
      'apps/web/dist/widget/widget.js (`# nx-pipeline: include` in apps/api/Containerfile) does not exist: build it first. ' +
        'Declare the target that writes it with `# nx-pipeline: depends-on <project>:<target>` so that `nx run <project>:docker` builds it.',
    );
  });

  it('refuses to copy into a project folder used as the context', () => {
    writeFileSync(join(root, 'apps/web/dist/widget/widget.js'), 'x');
    expect(() =>
      includeFiles({ include, context: 'apps/api', file: 'apps/api/Containerfile' }, 'apps/api', root),
    ).toThrow('needs the staged context (`# nx-pipeline: context python`)');
  });
});

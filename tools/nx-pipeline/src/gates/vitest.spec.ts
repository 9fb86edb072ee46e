import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coverageThresholds } from './vitest';

const REAL = JSON.parse(readFileSync(join(__dirname, '../../../../gates.json'), 'utf8')) as { defaults: Record<string, object> };

describe('coverageThresholds', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'gates-vitest-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives Vitest the project coverage gate from the gates file found above the config', () => {
    writeFileSync(
      join(root, 'gates.json'),
      JSON.stringify({
        defaults: { ...REAL.defaults, coverage: { min: 80 } },
        projects: { frontend: { coverage: { min: 85 } } },
      }),
    );
    mkdirSync(join(root, 'apps/frontend'), { recursive: true });
    expect(coverageThresholds('frontend', join(root, 'apps/frontend'))).toEqual({ lines: 85, statements: 85, branches: 85, functions: 85 });
    expect(coverageThresholds('other', join(root, 'apps/frontend')).lines).toBe(80);
  });

  it('says where it looked when there is no gates file', () => {
    expect(() => coverageThresholds('frontend', root)).toThrow(/No gates\.json found at or above/);
  });
});

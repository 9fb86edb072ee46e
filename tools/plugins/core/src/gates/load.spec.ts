import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatesForProject, GatesConfigError, loadGates, securityGates, SECURITY_DEFAULTS } from './load';

/** The real workspace's defaults, so these tests follow the schema as other gates grow. */
const REAL = JSON.parse(readFileSync(join(__dirname, '../../../../../gates.json'), 'utf8')) as {
  defaults: Record<string, object>;
};
const DEFAULTS = { ...REAL.defaults, security: { grade: 'A' } };

describe('loadGates', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'gates-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (content: unknown) =>
    writeFileSync(join(root, 'gates.json'), typeof content === 'string' ? content : JSON.stringify(content));

  it('names the missing file and how to restore it', () => {
    expect(() => loadGates(root)).toThrow(GatesConfigError);
    expect(() => loadGates(root)).toThrow(/No gates config at .*gates\.json.*git checkout -- gates\.json/);
  });

  it('reports invalid JSON with the parser message', () => {
    write('{ "defaults": ');
    expect(() => loadGates(root)).toThrow(/gates\.json is not valid JSON/);
  });

  it('lists every schema problem with its JSON path', () => {
    write({ defaults: { ...DEFAULTS, coverage: { min: 180 }, security: { grade: 'Z' } }, extra: true });
    let message = '';
    try {
      loadGates(root);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/does not match its schema/);
    expect(message).toMatch(/\/defaults\/coverage\/min must be <= 100/);
    expect(message).toMatch(/\/defaults\/security\/grade must be equal to one of the allowed values/);
    expect(message).toMatch(/\(root\) must NOT have additional properties "extra"/);
  });

  it('refuses a scanner it does not know and an empty allow-list path', () => {
    write({ defaults: { ...DEFAULTS, security: { grade: 'A', requiredScanners: ['banditt'], licenceAllowList: '' } } });
    expect(() => loadGates(root)).toThrow(
      /\/defaults\/security\/requiredScanners\/0 must be equal to one of the allowed values[\s\S]*licenceAllowList must NOT have fewer than 1 characters/,
    );
  });

  it('refuses defaults without a required gate', () => {
    write({ defaults: { coverage: { min: 80 }, perf: REAL.defaults['perf'] } });
    expect(() => loadGates(root)).toThrow(/\/defaults must have required property 'security'/);
  });

  it('applies per-project overrides gate by gate, and resolves the security defaults', () => {
    write({
      defaults: DEFAULTS,
      projects: { backend: { coverage: { min: 90 }, security: { requiredScanners: ['gitleaks'] } } },
    });
    const config = loadGates(root);
    const backend = gatesForProject(config, 'backend');
    expect(backend.coverage.min).toBe(90);
    expect(backend.perf.p95Ms).toBe(2000);
    expect(securityGates(backend)).toEqual({ ...SECURITY_DEFAULTS, grade: 'A', requiredScanners: ['gitleaks'] });
    expect(securityGates(gatesForProject(config, 'other'))).toEqual({ ...SECURITY_DEFAULTS, grade: 'A' });
  });
});

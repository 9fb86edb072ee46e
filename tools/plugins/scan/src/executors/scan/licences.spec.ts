import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLicence, LicencePolicyError, loadLicencePolicy, type LicencePolicy } from './licences';

const policy: LicencePolicy = {
  allow: ['MIT', 'Apache-2.0', 'BSD-3-Clause'],
  aliases: { 'MIT License': 'MIT', 'Apache Software License': 'Apache-2.0' },
  exceptions: [],
};

describe('checkLicence', () => {
  it.each([
    ['MIT', 'allowed'],
    ['MIT License', 'allowed'],
    ['(MIT OR GPL-3.0-only)', 'allowed'],
    ['MIT AND GPL-3.0-only', 'denied'],
    ['GPL-3.0-only', 'denied'],
    ['Apache Software License; GPL-2.0-only', 'allowed'],
    ['UNKNOWN', 'unknown'],
    ['', 'unknown'],
    ['Some Custom Licence v2', 'unknown'],
  ])('%s is %s', (declared, verdict) => {
    expect(checkLicence(declared, policy).verdict).toBe(verdict);
  });
});

describe('loadLicencePolicy', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'licences-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names a missing allow-list', () => {
    expect(() => loadLicencePolicy(root, 'l.yaml')).toThrow(/No licence allow-list at l\.yaml/);
  });

  it('refuses an exception without a reason', () => {
    writeFileSync(
      join(root, 'l.yaml'),
      'allow: [MIT]\nexceptions:\n  - ecosystem: npm\n    package: x\n    expires: "2027-01-01"\n',
    );
    expect(() => loadLicencePolicy(root, 'l.yaml')).toThrow(LicencePolicyError);
    expect(() => loadLicencePolicy(root, 'l.yaml')).toThrow(/\/exceptions\/0 must have required property 'reason'/);
  });

  it('reads the repository allow-list', () => {
    const real = loadLicencePolicy(join(__dirname, '../../../../../..'), 'security/licences.yaml');
    expect(real.allow).toEqual(expect.arrayContaining(['MIT', 'Apache-2.0']));
    expect(checkLicence('BSD License', real).verdict).toBe('allowed');
  });
});

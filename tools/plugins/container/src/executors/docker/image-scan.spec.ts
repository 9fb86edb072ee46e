import {
  GITLEAKS_CONFIG,
  gitleaksImageCommand,
  parseGitleaksImage,
  parseTrivyCounts,
  trivyImage,
  trivyRootfsCommand,
} from './image-scan';

describe('image scan', () => {
  it("runs gitleaks over the image filesystem with the source scan's config, redacted, allow comments ignored", () => {
    expect(GITLEAKS_CONFIG).toBe('security/gitleaks.toml');
    const command = gitleaksImageCommand('/bin/gitleaks', '/tmp/rootfs', '/w/security/gitleaks.toml', '/tmp/r.json');
    // From inside the image root: the config's path allowlist then sees in-image paths only.
    expect(command.cwd).toBe('/tmp/rootfs');
    expect(command.args).toEqual([
      'dir',
      '.',
      '--config',
      '/w/security/gitleaks.toml',
      '--report-format',
      'json',
      '--report-path',
      '/tmp/r.json',
      '--redact',
      '--no-banner',
      '--no-color',
      '--log-level',
      'warn',
      '--ignore-gitleaks-allow',
      '--exit-code',
      '1',
    ]);
    expect(gitleaksImageCommand('/bin/gitleaks', '/r', null, '/o.json').args).not.toContain('--config');
  });

  it("names gitleaks' findings by their path inside the image", () => {
    const json = JSON.stringify([
      { RuleID: 'generic-api-key', File: 'opt/app/settings.py', StartLine: 12 },
      { RuleID: 'stripe-access-token', File: './etc/app.conf', StartLine: 3 },
    ]);
    expect(parseGitleaksImage(json)).toEqual([
      { path: '/opt/app/settings.py', rule: 'gitleaks:generic-api-key', line: 12 },
      { path: '/etc/app.conf', rule: 'gitleaks:stripe-access-token', line: 3 },
    ]);
    expect(parseGitleaksImage('[]')).toEqual([]);
  });

  it('runs trivy rootfs for vulnerabilities and counts them by severity', () => {
    expect(trivyRootfsCommand('/bin/trivy', '/r', '/o.json', '/w').args).toEqual([
      'rootfs',
      '--scanners',
      'vuln',
      '--format',
      'json',
      '--output',
      '/o.json',
      '--quiet',
      '--exit-code',
      '0',
      '/r',
    ]);
    const report = {
      Results: [
        { Vulnerabilities: [{ Severity: 'CRITICAL' }, { Severity: 'HIGH' }, { Severity: 'HIGH' }] },
        { Vulnerabilities: [{ Severity: 'LOW' }, { Severity: 'WEIRD' }, {}] },
        {},
      ],
    };
    expect(parseTrivyCounts(JSON.stringify(report))).toEqual({ critical: 1, high: 2, medium: 0, low: 1, unknown: 2 });
  });

  it('says trivy was not run, and why, where it is not installed (never "passed")', async () => {
    await expect(trivyImage('/r', '/tmp', '/w', () => undefined)).resolves.toEqual({
      status: 'not run',
      tool: 'trivy',
      reason: 'trivy is not installed (optional; set TRIVY to its path where its vulnerability database is reachable)',
    });
  });
});

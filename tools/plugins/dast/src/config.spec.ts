import { DEFAULTS, parseDastConfig } from './config';

describe('dast.yml', () => {
  it('fills every setting it does not give from the defaults', () => {
    const config = parseDastConfig({ scanners: { sqlmap: { level: 2 } } }, 'apps/api/dast.yml');
    expect(config.scenario).toBe('perf/load.yml');
    expect(config.scanners.sqlmap).toEqual({ ...DEFAULTS.scanners.sqlmap, level: 2 });
    expect(config.auth).toEqual({ headers: {}, login: undefined });
  });

  it('defaults the sign-in header to a bearer Authorization', () => {
    const config = parseDastConfig(
      { auth: { login: { path: '/login', json: { user: 'a' }, tokenField: 'token' } } },
      'dast.yml',
    );
    expect(config.auth.login).toEqual({
      path: '/login',
      json: { user: 'a' },
      tokenField: 'token',
      header: 'Authorization',
      prefix: 'Bearer ',
    });
  });

  it('names the file, the setting and the docs when the file is wrong', () => {
    expect(() =>
      parseDastConfig({ scanners: { sqlmap: { risk: 3 }, nmap: {} }, openapi: 'openapi.json' }, 'apps/api/dast.yml'),
    ).toThrow(
      [
        'apps/api/dast.yml does not match the dast config schema (tools/plugins/dast/src/config.ts):',
        '  - /openapi must match pattern "^/"',
        '  - /scanners must NOT have additional properties "nmap"',
        '  - /scanners/sqlmap/risk must be <= 2',
        'See docs/plugins/dast.md for every setting.',
      ].join('\n'),
    );
  });
});

import { parseContainerfileDirectives } from './containerfile';

describe('parseContainerfileDirectives', () => {
  it('reads every directive and ignores other comments', () => {
    const text = [
      '# The API',
      '# nx-pipeline: base BASE_IMAGE=python',
      '# nx-pipeline: context python',
      '# nx-pipeline: depends-on build',
      '# nx-pipeline: depends-on web:build-widget',
      '# nx-pipeline: include apps/web/dist/widget/widget.js -> widget/widget.js',
      '# nx-pipeline: port 8000',
      '# nx-pipeline: ready /ready',
      '# nx-pipeline: smoke GET /health -> 200 "status"',
      '# nx-pipeline: smoke POST /api/v1/auth/login {"email":"a@b.c","password":"x"} -> 401',
      '# nx-pipeline: exec pg_dump --version -> "pg_dump (PostgreSQL) 15."',
      '# nx-pipeline: exec test -x /usr/bin/tini',
      '# nx-pipeline: env SECRET_KEY={random}',
      '# nx-pipeline: secrets-allow /usr/lib/*/perl/*/CORE/*.h',
      '# nx-pipeline: size-budget 1.5GB',
      'FROM ${BASE_IMAGE}',
    ].join('\n');
    expect(parseContainerfileDirectives(text, 'Containerfile')).toEqual({
      baseImages: { BASE_IMAGE: 'python' },
      context: 'python',
      dependsOn: ['build', 'web:build-widget'],
      include: [{ from: 'apps/web/dist/widget/widget.js', to: 'widget/widget.js' }],
      test: {
        port: 8000,
        ready: '/ready',
        smoke: [
          { method: 'GET', path: '/health', status: 200, contains: 'status' },
          { method: 'POST', path: '/api/v1/auth/login', body: '{"email":"a@b.c","password":"x"}', status: 401 },
        ],
        exec: [
          { argv: ['pg_dump', '--version'], contains: 'pg_dump (PostgreSQL) 15.' },
          { argv: ['test', '-x', '/usr/bin/tini'] },
        ],
        env: { SECRET_KEY: '{random}' },
        maxSizeMb: 1500,
        secretsAllow: ['/usr/lib/*/perl/*/CORE/*.h'],
      },
    });
  });

  it('refuses an include that could leave the workspace or the context', () => {
    for (const bad of ['../secrets.env -> x', 'a.js -> ../../etc/x', '/etc/passwd -> x', 'a.js widget.js']) {
      expect(() => parseContainerfileDirectives(`# nx-pipeline: include ${bad}\n`, 'apps/a/Containerfile')).toThrow(
        `apps/a/Containerfile:1: \`# nx-pipeline: include ${bad}\` is not valid: expected`,
      );
    }
  });

  it('names the file, line and expected form of a bad directive', () => {
    expect(() =>
      parseContainerfileDirectives('FROM x\n# nx-pipeline: smoke /health 200\n', 'apps/a/Containerfile'),
    ).toThrow(
      'apps/a/Containerfile:2: `# nx-pipeline: smoke /health 200` is not valid: expected `smoke METHOD /path [body] -> STATUS ["text in the body"]`.',
    );
    expect(() => parseContainerfileDirectives('# nx-pipeline: port eighty\n', 'C')).toThrow('C:1');
    expect(() => parseContainerfileDirectives('# nx-pipeline: exec pg_dump --version -> 15\n', 'C')).toThrow(
      'expected `exec <command> [args] [-> "text in its output"]`',
    );
    expect(() => parseContainerfileDirectives('# nx-pipeline: secrets-allow usr/lib/x.h\n', 'C')).toThrow(
      'expected `secrets-allow <glob of absolute in-image paths>`',
    );
    expect(() => parseContainerfileDirectives('# nx-pipeline: size-budget lots\n', 'C')).toThrow(
      'a size such as 250MB',
    );
  });

  it('rejects unknown directives instead of ignoring a typo', () => {
    expect(() => parseContainerfileDirectives('# nx-pipeline: sise-budget 10MB\n', 'C')).toThrow(
      'unknown directive `sise-budget`',
    );
  });
});

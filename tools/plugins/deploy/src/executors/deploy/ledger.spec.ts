import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEnvironment, type RawDeployConfig } from './config';
import { checkPromotion, fileLedger, passedTag, registryLedger, type CraneRun, type LedgerEntry } from './ledger';
import { checkRelease, type ManifestRelease } from './promote';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);
const image = (hex: string) => `127.0.0.1:5000/backend@sha256:${hex}`;
const entry = (environment: string, hex: string): LedgerEntry => ({
  environment,
  project: 'backend',
  image: image(hex),
  digest: `sha256:${hex}`,
  at: '2026-12-03T09:00:00.000Z',
});
const gates = { perf: { errorRate: 0.01, p95Ms: 500 } };
const config: RawDeployConfig = {
  service: 'backend',
  promotion: { ledger: 'file' },
  environments: {
    staging: { provider: 'local', url: 'http://127.0.0.1:8480', local: { command: ['serve'] } },
    production: {
      provider: 'local',
      url: 'http://127.0.0.1:8490',
      requires: 'staging',
      local: { command: ['serve'] },
    },
  },
};
const release = (hex: string): ManifestRelease => ({
  project: 'backend',
  image: image(hex),
  digest: `sha256:${hex}`,
  commit: 'c'.repeat(40),
  manifest: 'release-manifest.json',
});

describe('the promotion ledger', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses in production a digest that staging never saw, naming the digest and the environment', async () => {
    const ledger = fileLedger(join(dir, 'backend.json'));
    await ledger.record(entry('staging', HEX_A));
    const production = resolveEnvironment(config, 'production', gates, 'deploy.yml');
    expect(production.requires).toEqual(['staging']);

    await expect(checkRelease(production, 'backend', release(HEX_B), ledger)).rejects.toThrow(
      `refusing to deploy backend sha256:${HEX_B} to production: that digest never passed staging`,
    );
    // The digest staging promoted goes through.
    await expect(checkRelease(production, 'backend', release(HEX_A), ledger)).resolves.toBeUndefined();
  });

  it('a pass in another environment does not count', async () => {
    const ledger = fileLedger(join(dir, 'backend.json'));
    await ledger.record(entry('qa', HEX_A));
    await expect(
      checkPromotion(ledger, {
        project: 'backend',
        environment: 'production',
        requires: ['staging'],
        image: image(HEX_A),
      }),
    ).rejects.toThrow(/never passed staging/);
  });

  it('an environment that requires another deploys only from a release manifest', async () => {
    const production = resolveEnvironment(config, 'production', gates, 'deploy.yml');
    await expect(checkRelease(production, 'backend', undefined, undefined)).rejects.toThrow(
      'production requires staging to have passed the same image digest, so it deploys only from a release manifest: pass --manifest=',
    );
    const staging = resolveEnvironment(config, 'staging', gates, 'deploy.yml');
    await expect(checkRelease(staging, 'backend', undefined, undefined)).resolves.toBeUndefined();
  });

  it('requires must name another environment of the file', () => {
    const bad: RawDeployConfig = {
      ...config,
      environments: { ...config.environments, production: { ...config.environments.production, requires: 'stagign' } },
    };
    expect(() => resolveEnvironment(bad, 'production', gates, 'deploy.yml')).toThrow(
      'deploy.yml: environments.production.requires names "stagign", which is not an environment of this file; it defines: staging, production.',
    );
  });

  describe('in the registry (crane tags), which survives throw-away runners', () => {
    function fakeCrane(tags: Map<string, string>): { run: CraneRun; calls: string[][] } {
      const calls: string[][] = [];
      const run: CraneRun = async (args) => {
        calls.push(args);
        if (args[0] === 'tag') {
          const [repository, digest] = args[1].split('@');
          tags.set(`${repository}:${args[2]}`, digest);
          return { exitCode: 0, stdout: '', stderr: '' };
        }
        const digest = tags.get(args[1]);
        return digest
          ? { exitCode: 0, stdout: `${digest}\n`, stderr: '' }
          : {
              exitCode: 1,
              stdout: '',
              stderr: `Error: fetching manifest ${args[1]}: MANIFEST_UNKNOWN: manifest unknown`,
            };
      };
      return { run, calls };
    }

    it('records a pass as tags on the digest and reads it back', async () => {
      const tags = new Map<string, string>();
      const { run, calls } = fakeCrane(tags);
      const ledger = registryLedger(run);
      expect(await ledger.passed('staging', image(HEX_A))).toBe(false);
      await ledger.record(entry('staging', HEX_A));
      expect(calls.slice(1)).toEqual([
        ['tag', image(HEX_A), passedTag('staging', HEX_A)],
        ['tag', image(HEX_A), 'deployed-staging'],
      ]);
      expect(passedTag('staging', HEX_A).length).toBeLessThanOrEqual(128);
      expect(await ledger.passed('staging', image(HEX_A))).toBe(true);
      expect(await ledger.passed('staging', image(HEX_B))).toBe(false);
    });

    it('a registry it cannot read is an error, never "not passed"', async () => {
      const ledger = registryLedger(async () => ({
        exitCode: 1,
        stdout: '',
        stderr: 'Error: GET https://ghcr.io/token: UNAUTHORIZED: authentication required',
      }));
      await expect(ledger.passed('staging', image(HEX_A))).rejects.toThrow(
        /could not read the promotion ledger in the registry .*UNAUTHORIZED/,
      );
    });
  });
});

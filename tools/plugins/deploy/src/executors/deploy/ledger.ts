import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { capture, type ToolResult } from '@customercare/nx-core';

/**
 * The promotion ledger: which image digests passed which environment (a deploy of that digest
 * there was promoted). Production requires staging's pass of the very digest it is asked to ship.
 *
 * Two stores. `registry` (the default for manifest deploys) keeps the ledger where the images are,
 * so it survives GitHub's throw-away runners: a pass is the tag `passed-<env>-<hex>` on the digest
 * itself (`crane tag`), read back with `crane digest`; the environment's current digest is tagged
 * `deployed-<env>`. `file` keeps it in a JSON file (tests; a machine that persists its workspace).
 */
export interface LedgerEntry {
  environment: string;
  project: string;
  /** `<repository>@sha256:<hex>` */
  image: string;
  digest: string;
  commit?: string;
  at: string;
}

export interface PromotionLedger {
  /** For messages: where the ledger lives. */
  describe: string;
  passed(environment: string, image: string): Promise<boolean>;
  record(entry: LedgerEntry): Promise<void>;
}

/** `<repository>@sha256:<hex>` split in two; throws on anything else (CD deploys digests only). */
export function splitImage(image: string): { repository: string; digest: string; hex: string } {
  const match = /^(.+)@(sha256:([0-9a-f]{64}))$/.exec(image);
  if (!match) throw new Error(`${image} is not an image by digest (<repository>@sha256:<64 hex>)`);
  return { repository: match[1], digest: match[2], hex: match[3] };
}

/** The tag that marks a digest as passed in an environment (at most 128 characters, as OCI allows). */
export const passedTag = (environment: string, hex: string) => `passed-${environment}-${hex}`;

export function fileLedger(path: string): PromotionLedger {
  const read = (): LedgerEntry[] => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LedgerEntry[]) : []);
  return {
    describe: `the ledger file ${path}`,
    async passed(environment, image) {
      const { digest } = splitImage(image);
      return read().some((e) => e.environment === environment && e.digest === digest);
    },
    async record(entry) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify([entry, ...read()], null, 2)}\n`);
    },
  };
}

export type CraneRun = (args: string[]) => Promise<Pick<ToolResult, 'exitCode' | 'stdout' | 'stderr'>>;

/** crane through core's runner; `--insecure` for a plain-HTTP registry (the loopback one). */
export function craneRunner(cwd: string, insecure: boolean): CraneRun {
  return (args) =>
    capture(
      { label: `crane ${args[0]}`, command: 'crane', args: [...args, ...(insecure ? ['--insecure'] : [])], cwd },
      'Run `npm run setup` (tools/scripts/setup.d/65-registry.sh builds crane).',
    );
}

/** A loopback registry speaks plain HTTP; any other is reached over TLS unless CONTAINER_REGISTRY_TLS_VERIFY=false. */
export function insecureRegistry(image: string): boolean {
  const host = image.split('/')[0].replace(/:\d+$/, '');
  return ['127.0.0.1', 'localhost', '[::1]'].includes(host) || process.env.CONTAINER_REGISTRY_TLS_VERIFY === 'false';
}

export function registryLedger(crane: CraneRun): PromotionLedger {
  const tag = async (image: string, name: string) => {
    const result = await crane(['tag', image, name]);
    if (result.exitCode !== 0)
      throw new Error(
        `crane tag ${image} ${name} failed (exit ${result.exitCode}): ${result.stderr.trim()}. The deploy job needs push access to the registry.`,
      );
  };
  return {
    describe: 'the registry (tags passed-<environment>-<digest>)',
    async passed(environment, image) {
      const { repository, digest, hex } = splitImage(image);
      const result = await crane(['digest', `${repository}:${passedTag(environment, hex)}`]);
      if (result.exitCode === 0) return result.stdout.trim() === digest;
      // Only "no such tag" means "never passed"; anything else (auth, network) must not read as an answer.
      if (/MANIFEST_UNKNOWN|NAME_UNKNOWN|not found|404/i.test(result.stderr)) return false;
      throw new Error(
        `could not read the promotion ledger in the registry (crane digest ${repository}:${passedTag(environment, hex)}, exit ${result.exitCode}): ${result.stderr.trim()}`,
      );
    },
    async record(entry) {
      await tag(entry.image, passedTag(entry.environment, splitImage(entry.image).hex));
      await tag(entry.image, `deployed-${entry.environment}`);
    },
  };
}

/**
 * Refuses, before anything moves, a digest the required environment never passed; the error
 * names the digest, the project, the missing environment and the way forward.
 */
export async function checkPromotion(
  ledger: PromotionLedger,
  request: { project: string; environment: string; requires: string[]; image: string },
): Promise<void> {
  for (const required of request.requires) {
    if (await ledger.passed(required, request.image)) continue;
    const { digest } = splitImage(request.image);
    throw new PromotionError(
      `refusing to deploy ${request.project} ${digest} to ${request.environment}: that digest never passed ${required} ` +
        `(no promoted ${required} deploy of it in ${ledger.describe}). Deploy the same release manifest to ${required} first: ` +
        `nx run ${request.project}:deploy:${required} --manifest=<release-manifest.json>.`,
    );
  }
}

export class PromotionError extends Error {
  override name = 'PromotionError';
}

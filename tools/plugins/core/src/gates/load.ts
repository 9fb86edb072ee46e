import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import schema from './schema.json';
import type { GatesConfig, ProjectGates, SecurityGates } from './types';
import { schemaProblems } from './schema-problems';

/** The gates file's JSON schema (gates.json names it in `$schema`). */
export const GATES_SCHEMA_FILE = join(__dirname, 'schema.json');

export const GATES_FILE = 'gates.json';

export class GatesConfigError extends Error {
  override name = 'GatesConfigError';
}

const validate = new Ajv({ allErrors: true, strict: true }).compile<GatesConfig>(schema);

/**
 * Reads and validates the workspace's gates file. Every error names the file, the JSON path and
 * the fix, because a gate that silently falls back to a default is a gate nobody configured.
 */
export function loadGates(workspaceRoot: string, file = GATES_FILE): GatesConfig {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) {
    throw new GatesConfigError(
      `No gates config at ${path}. Every gate reads its threshold from it: restore ${file} from git ` +
        `(git checkout -- ${file}) or run \`nx g @customercare/nx-generators:init\`.`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GatesConfigError(`${relative(workspaceRoot, path)} is not valid JSON: ${(error as Error).message}`);
  }
  if (!validate(data)) {
    throw new GatesConfigError(
      `${relative(workspaceRoot, path)} does not match its schema (tools/plugins/core/src/gates/schema.json):\n${schemaProblems(validate.errors)}`,
    );
  }
  return data;
}

/** The defaults with one project's overrides applied, gate by gate. */
export function gatesForProject(config: GatesConfig, project: string): ProjectGates {
  const overrides = config.projects?.[project] ?? {};
  return {
    coverage: { ...config.defaults.coverage, ...overrides.coverage },
    security: { ...config.defaults.security, ...overrides.security },
    perf: { ...config.defaults.perf, ...overrides.perf },
    dast: { ...config.defaults.dast, ...overrides.dast },
  };
}

/** The dependency age policy when gates.json does not say: the guide's `dependency_age: 30_days` for staleness. */
export const DEPENDENCY_AGE_DEFAULTS = { minReleaseAgeDays: 3, maxOutdatedDays: 30 };

/** Where the security gate's files live when gates.json does not say, and what it requires. */
export const SECURITY_DEFAULTS: Required<Omit<SecurityGates, 'grade'>> = {
  requiredScanners: ['bandit', 'semgrep', 'eslint-security', 'gitleaks', 'licences', 'sbom', 'zizmor'],
  licenceAllowList: 'security/licences.yaml',
  suppressions: 'security/suppressions.yaml',
  semgrepRules: 'security/semgrep',
  dependencyAge: DEPENDENCY_AGE_DEFAULTS,
};

/** A project's security gate with every optional setting resolved. */
export function securityGates(gates: ProjectGates): Required<SecurityGates> {
  return { ...SECURITY_DEFAULTS, ...gates.security };
}

/** The dependency age thresholds: gates.json's values over the defaults, threshold by threshold. */
export function dependencyAgeThresholds(gates: SecurityGates): { minReleaseAgeDays: number; maxOutdatedDays: number } {
  return { ...DEPENDENCY_AGE_DEFAULTS, ...gates.dependencyAge };
}

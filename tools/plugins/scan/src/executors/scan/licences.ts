import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import parseSpdx from 'spdx-expression-parse';
import { parse } from 'yaml';
import { schemaProblems } from '@customercare/nx-core';

/** The licence allow-list (security/licences.yaml): SPDX ids, aliases and dated exceptions. */
export interface LicencePolicy {
  /** SPDX licence ids that every project may depend on. */
  allow: string[];
  /** Names packages use instead of SPDX ids (Python classifiers, old npm metadata), mapped to SPDX ids. */
  aliases: Record<string, string>;
  /** Packages allowed despite their licence, each reviewed, with a reason and an expiry date. */
  exceptions: Array<{ ecosystem: 'npm' | 'pypi'; package: string; reason: string; expires: string }>;
}

export class LicencePolicyError extends Error {
  override name = 'LicencePolicyError';
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['allow'],
  properties: {
    allow: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    aliases: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    exceptions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['ecosystem', 'package', 'reason', 'expires'],
        properties: {
          ecosystem: { enum: ['npm', 'pypi'] },
          package: { type: 'string', minLength: 1 },
          reason: { type: 'string', minLength: 10 },
          expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile<Partial<LicencePolicy>>(schema);

export function loadLicencePolicy(workspaceRoot: string, file: string): LicencePolicy {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) {
    throw new LicencePolicyError(
      `No licence allow-list at ${file} (named by security.licenceAllowList in gates.json). Restore it from git or fix the path.`,
    );
  }
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LicencePolicyError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (!validate(data)) {
    throw new LicencePolicyError(`${file} is not a valid licence allow-list:\n${schemaProblems(validate.errors)}`);
  }
  return { allow: data.allow ?? [], aliases: data.aliases ?? {}, exceptions: data.exceptions ?? [] };
}

export type LicenceVerdict =
  | { verdict: 'allowed'; spdx: string }
  | { verdict: 'denied'; spdx: string }
  | { verdict: 'unknown'; declared: string };

type Expression = ReturnType<typeof parseSpdx>;

function allowedBy(expression: Expression, allow: ReadonlySet<string>): boolean {
  if ('license' in expression) return allow.has(expression.license);
  const left = allowedBy(expression.left, allow);
  const right = allowedBy(expression.right, allow);
  return expression.conjunction === 'or' ? left || right : left && right;
}

/**
 * Checks one declared licence against the policy. The declaration may be an SPDX expression
 * ("MIT OR Apache-2.0": one allowed alternative suffices; "A AND B": both must be), an alias
 * ("MIT License"), or several classifiers joined by "; " by pip-licenses, read as alternatives.
 */
export function checkLicence(declared: string | undefined, policy: LicencePolicy): LicenceVerdict {
  const text = (declared ?? '').trim();
  if (!text || /^(unknown|none|unlicensed|see license)$/i.test(text))
    return { verdict: 'unknown', declared: text || '(none)' };
  const allow = new Set(policy.allow);
  const alternatives = text.split(/;\s*/).map((part) => policy.aliases[part.trim()] ?? part.trim());
  const spdx = alternatives.join(' OR ');
  let expression: Expression;
  try {
    expression = parseSpdx(alternatives.length > 1 ? alternatives.map((a) => `(${a})`).join(' OR ') : spdx);
  } catch {
    return { verdict: 'unknown', declared: text };
  }
  return allowedBy(expression, allow) ? { verdict: 'allowed', spdx } : { verdict: 'denied', spdx };
}

export function licenceException(policy: LicencePolicy, ecosystem: 'npm' | 'pypi', name: string, today: Date) {
  const day = today.toISOString().slice(0, 10);
  return policy.exceptions.find(
    (e) => e.ecosystem === ecosystem && e.package.toLowerCase() === name.toLowerCase() && e.expires >= day,
  );
}

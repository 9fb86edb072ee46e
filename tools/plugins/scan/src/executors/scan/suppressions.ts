import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';
import type { Finding } from '@customercare/nx-core';
import { schemaProblems } from '@customercare/nx-core';

/** One reviewed exception: what it covers, why, and until when. */
export interface Suppression {
  tool: string;
  ruleId: string;
  /** Glob over workspace-relative paths; every file when absent. */
  path?: string;
  /** Narrows the suppression to one finding (its fingerprint from scan.json). */
  fingerprint?: string;
  reason: string;
  /** ISO date (YYYY-MM-DD); the suppression stops applying after this day. */
  expires: string;
}

export class SuppressionsError extends Error {
  override name = 'SuppressionsError';
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['suppressions'],
  properties: {
    suppressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['tool', 'ruleId', 'reason', 'expires'],
        properties: {
          tool: { type: 'string', minLength: 1 },
          ruleId: { type: 'string', minLength: 1 },
          path: { type: 'string', minLength: 1 },
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          reason: { type: 'string', minLength: 10 },
          expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile<{ suppressions: Suppression[] | null }>(schema);

/** Reads and validates the suppressions file; every problem names the entry and the fix. */
export function loadSuppressions(workspaceRoot: string, file: string): Suppression[] {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) {
    throw new SuppressionsError(
      `No suppressions file at ${file} (named by security.suppressions in gates.json). Create it with \`suppressions: []\` or fix the path.`,
    );
  }
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new SuppressionsError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (!validate(data)) {
    throw new SuppressionsError(
      `${file} is not a valid suppressions file: every entry needs tool, ruleId, a reason (10+ characters) and expires (YYYY-MM-DD):\n${schemaProblems(validate.errors)}`,
    );
  }
  const suppressions = data.suppressions ?? [];
  for (const [index, entry] of suppressions.entries()) {
    const parsed = new Date(`${entry.expires}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== entry.expires) {
      throw new SuppressionsError(`${file}: suppressions[${index}].expires "${entry.expires}" is not a real date.`);
    }
  }
  return suppressions;
}

export interface SuppressionOutcome {
  findings: Finding[];
  /** Entries past their expiry date: they no longer apply, and the scan says so. */
  expired: Suppression[];
}

/**
 * Marks the findings that an unexpired suppression covers. Expired entries are ignored (the
 * findings count again), so a suppression is a dated decision rather than a permanent blind spot.
 */
export function applySuppressions(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
  today: Date,
): SuppressionOutcome {
  const day = today.toISOString().slice(0, 10);
  const active = suppressions.filter((s) => s.expires >= day);
  const expired = suppressions.filter((s) => s.expires < day);
  return {
    expired,
    findings: findings.map((finding) => {
      const match = active.find(
        (s) =>
          s.tool === finding.tool &&
          s.ruleId === finding.ruleId &&
          (s.path === undefined || minimatch(finding.file, s.path, { dot: true })) &&
          (s.fingerprint === undefined || s.fingerprint === finding.fingerprint),
      );
      return match ? { ...finding, suppressed: { reason: match.reason, expires: match.expires } } : finding;
    }),
  };
}

import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { schemaProblems } from '../shared';
import schema from './schema.json';
import type { ReceiverKind, SloFile } from './types';

export class SloError extends Error {
  override name = 'SloError';
}

const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile<SloFile>(schema);

/** Receivers a route may name only when slo.yml says how to reach them. */
const RECEIVER_SETTINGS: Record<ReceiverKind, keyof SloFile['notifications'] | undefined> = {
  pagerduty: undefined,
  slack: 'slack',
  email: 'email',
  webhook: 'webhook',
};

/**
 * Parses and validates an SLO file. Every problem names the file and the field (a JSON pointer such
 * as /alerts/errorRate/for) and what is wrong, so a typo never becomes a silent default.
 */
export function parseSlo(text: string, file: string): SloFile {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new SloError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (!validate(data)) {
    throw new SloError(
      `${file} does not match the SLO schema (tools/plugins/monitoring/src/slo/schema.json):\n${schemaProblems(validate.errors)}`,
    );
  }
  const slo = data;
  const problems: string[] = [];
  for (const [severity, route] of Object.entries(slo.notifications.routes)) {
    for (const receiver of route.receivers) {
      const setting = RECEIVER_SETTINGS[receiver];
      if (setting && !slo.notifications[setting]) {
        problems.push(
          `  - /notifications/routes/${severity}/receivers names ${receiver}, but /notifications/${setting} is missing: add it or drop ${receiver}`,
        );
      }
    }
  }
  if (problems.length > 0) throw new SloError(`${file} is inconsistent:\n${problems.join('\n')}`);
  return slo;
}

export function loadSlo(path: string, shownAs = path): SloFile {
  if (!existsSync(path)) throw new SloError(`No SLO file at ${shownAs}. Create it (see docs/plugins/monitoring.md).`);
  return parseSlo(readFileSync(path, 'utf8'), shownAs);
}

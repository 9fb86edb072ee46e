import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/** The repository the tests run in. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

/** The backend's real SLO file and promtool tests: the tests check the files the target ships. */
export const BACKEND_SLO = join(WORKSPACE_ROOT, 'apps/backend/monitoring/slo.yml');
export const BACKEND_TESTS = join(WORKSPACE_ROOT, 'apps/backend/monitoring/tests');

export function backendSloText(): string {
  return readFileSync(BACKEND_SLO, 'utf8');
}

/** The backend's SLO file with `change` applied to its parsed content: for seeded violations. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a seeded violation may put anything anywhere
type Loose = Record<string, any>;

export function backendSloWith(change: (slo: Loose) => void): string {
  const data = parse(backendSloText()) as Loose;
  change(data);
  return stringify(data);
}

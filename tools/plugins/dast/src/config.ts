import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { schemaProblems, type DastScannerName } from './shared';

/** The dynamic scanners, in the order a run starts them. */
export const DAST_SCANNERS: readonly DastScannerName[] = ['schemathesis', 'wapiti', 'sqlmap', 'zap'];
export type { DastScannerName };

/** What one scanner may spend: requests through the budget proxy, and seconds. */
export interface Budget {
  requests: number;
  timeS: number;
}

export interface DastConfig {
  /** The perf scenario whose `service` section says how to start the service (relative to the project root). */
  scenario: string;
  /** The served OpenAPI document's path. */
  openapi: string;
  auth: {
    /** Sent on every request (a widget key, an allowed Origin). */
    headers: Record<string, string>;
    /** An admin sign-in: POST `json` to `path`, put `prefix` + the answer's `tokenField` in `header`. */
    login?: { path: string; json: Record<string, unknown>; tokenField: string; header: string; prefix: string };
  };
  /** Built pages crawled by wapiti, each served read-only on loopback. */
  pages: Array<{ name: string; dir: string; build?: string }>;
  /** Slower answers than this are schemathesis findings. */
  responseTimeLimitMs: number;
  /** Operations left out of every scanner (paths, exact). */
  excludePaths: string[];
  scanners: {
    schemathesis: Budget & { maxExamples: number; phases: string[] };
    wapiti: Budget & { modules: string[]; depth: number };
    sqlmap: Budget & { level: number; risk: number };
    zap: Budget & { image: string; registry: string };
  };
}

export class DastConfigError extends Error {
  override name = 'DastConfigError';
}

export { DAST_CONFIG_FILE } from './plugins/config-file';

const budget = {
  requests: {
    type: 'integer',
    minimum: 1,
    description: 'Most requests the scanner may send (the budget proxy refuses more).',
  },
  timeS: { type: 'number', exclusiveMinimum: 0, description: 'Seconds the scanner may run (then its proxy closes).' },
} as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scenario: { type: 'string', minLength: 1 },
    openapi: { type: 'string', pattern: '^/' },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        login: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'json', 'tokenField'],
          properties: {
            path: { type: 'string', pattern: '^/' },
            json: { type: 'object' },
            tokenField: { type: 'string', minLength: 1 },
            header: { type: 'string', minLength: 1 },
            prefix: { type: 'string' },
          },
        },
      },
    },
    pages: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'dir'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9-]+$' },
          dir: { type: 'string', minLength: 1 },
          build: { type: 'string', pattern: '^[^:]+:[^:]+$' },
        },
      },
    },
    responseTimeLimitMs: { type: 'number', exclusiveMinimum: 0 },
    excludePaths: { type: 'array', items: { type: 'string', pattern: '^/' } },
    scanners: {
      type: 'object',
      additionalProperties: false,
      properties: {
        schemathesis: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...budget,
            maxExamples: { type: 'integer', minimum: 1 },
            phases: {
              type: 'array',
              minItems: 1,
              items: { enum: ['examples', 'coverage', 'fuzzing', 'stateful'] },
            },
          },
        },
        wapiti: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...budget,
            modules: {
              type: 'array',
              minItems: 1,
              items: { enum: ['sql', 'xss', 'crlf', 'redirect', 'exec', 'file', 'ssrf'] },
            },
            depth: { type: 'integer', minimum: 1 },
          },
        },
        sqlmap: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...budget,
            level: { type: 'integer', minimum: 1, maximum: 3 },
            risk: { type: 'integer', minimum: 1, maximum: 2 },
          },
        },
        zap: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...budget,
            image: { type: 'string', minLength: 1 },
            registry: { type: 'string', pattern: '^https://' },
          },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

export const DEFAULTS: Omit<DastConfig, 'auth' | 'pages' | 'excludePaths'> = {
  scenario: 'perf/load.yml',
  openapi: '/openapi.json',
  responseTimeLimitMs: 2000,
  scanners: {
    schemathesis: {
      requests: 20000,
      timeS: 180,
      maxExamples: 10,
      phases: ['examples', 'coverage', 'fuzzing', 'stateful'],
    },
    wapiti: { requests: 10000, timeS: 180, modules: ['sql', 'xss', 'crlf', 'redirect'], depth: 3 },
    sqlmap: { requests: 10000, timeS: 180, level: 1, risk: 1 },
    zap: { requests: 20000, timeS: 600, image: 'ghcr.io/zaproxy/zaproxy:stable', registry: 'https://ghcr.io/v2/' },
  },
};

type RawConfig = Partial<Omit<DastConfig, 'scanners' | 'auth'>> & {
  auth?: { headers?: Record<string, string>; login?: Partial<NonNullable<DastConfig['auth']['login']>> };
  scanners?: { [K in DastScannerName]?: Partial<DastConfig['scanners'][K]> };
};

/** Validates a dast.yml's content; `file` names it in errors. Every setting has a default. */
export function parseDastConfig(data: unknown, file: string): DastConfig {
  const raw = (data ?? {}) as RawConfig;
  if (!validate(raw)) {
    throw new DastConfigError(
      `${file} does not match the dast config schema (tools/plugins/dast/src/config.ts):\n${schemaProblems(validate.errors)}\n` +
        'See docs/plugins/dast.md for every setting.',
    );
  }
  const login = raw.auth?.login;
  return {
    ...DEFAULTS,
    ...(raw.scenario && { scenario: raw.scenario }),
    ...(raw.openapi && { openapi: raw.openapi }),
    ...(raw.responseTimeLimitMs && { responseTimeLimitMs: raw.responseTimeLimitMs }),
    auth: {
      headers: raw.auth?.headers ?? {},
      login: login && {
        path: login.path as string,
        json: login.json as Record<string, unknown>,
        tokenField: login.tokenField as string,
        header: login.header ?? 'Authorization',
        prefix: login.prefix ?? 'Bearer ',
      },
    },
    pages: raw.pages ?? [],
    excludePaths: raw.excludePaths ?? [],
    scanners: {
      schemathesis: { ...DEFAULTS.scanners.schemathesis, ...raw.scanners?.schemathesis },
      wapiti: { ...DEFAULTS.scanners.wapiti, ...raw.scanners?.wapiti },
      sqlmap: { ...DEFAULTS.scanners.sqlmap, ...raw.scanners?.sqlmap },
      zap: { ...DEFAULTS.scanners.zap, ...raw.scanners?.zap },
    },
  };
}

/** The project's dast.yml (relative to the workspace), or the defaults when there is none. */
export function loadDastConfig(workspaceRoot: string, file: string): DastConfig {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) return parseDastConfig({}, file);
  const document = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new DastConfigError(
      `${file} is not valid YAML:\n${document.errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
  }
  return parseDastConfig(document.toJS(), file);
}

import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseDocument } from 'yaml';
import schema from './scenario.schema.json';
import { schemaProblems } from '@customercare/nx-core';

/** The profile `config.phases` stands for; `config.environments.<name>` adds the others. */
export const BASE_PROFILE = 'load';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
export type VariableValue = string | number | boolean;

/** One arrival-rate phase, durations in seconds. A pause is a phase with a rate of 0. */
export interface Phase {
  name: string;
  durationS: number;
  arrivalRate: number;
  rampTo: number;
}

export interface RequestSpec {
  /** The scenario's name: the key of per-request statistics. */
  name: string;
  weight: number;
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /** A JSON body with {{ variables }} in its strings, or a raw string body. */
  json?: unknown;
  body?: string;
  expectedStatuses: number[];
}

export interface ServiceSpec {
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  setup: string[][];
  readinessPath: string;
  readinessTimeoutS: number;
  warmup?: { durationS: number; arrivalRate: number };
}

/** A scenario file, validated, with one profile chosen: what every engine runs. */
export interface Scenario {
  file: string;
  profile: string;
  profiles: string[];
  /** Absent when the scenario starts its own service: the executor fills in its URL. */
  target?: string;
  phases: Phase[];
  requests: RequestSpec[];
  variables: Record<string, VariableValue | VariableValue[]>;
  timeoutS: number;
  maxConnections: number;
  service?: ServiceSpec;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

/** "30s", "5m", "1h", "250ms" or a number of seconds, in seconds. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d*\.?\d+)(ms|s|m|h)$/.exec(value);
  if (!match) throw new ScenarioError(`"${value}" is not a duration: write 30, "30s", "5m" or "1h".`);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
}

interface RawPhase {
  name?: string;
  duration?: number | string;
  arrivalRate?: number;
  rampTo?: number;
  pause?: number | string;
}

interface RawRequest {
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  expect?: Array<{ statusCode: number | number[] }>;
}

interface RawScenarioFile {
  config: {
    target?: string;
    phases: RawPhase[];
    environments?: Record<string, { phases: RawPhase[] }>;
    variables?: Record<string, VariableValue | VariableValue[]>;
    http?: { timeout?: number; maxConnections?: number };
  };
  service?: {
    command: string[];
    cwd?: string;
    env?: Record<string, string>;
    setup?: string[][];
    readiness?: { path?: string; timeout?: number };
    warmup?: { duration: number | string; arrivalRate: number };
  };
  scenarios: Array<{ name: string; weight?: number; flow: Array<Record<string, RawRequest>> }>;
}

function phasesOf(raw: RawPhase[], where: string): Phase[] {
  return raw.map((phase, index) => {
    const name = phase.name ?? `phase ${index + 1}`;
    const at = `${where}[${index}] (${name})`;
    if (phase.pause !== undefined) {
      if (phase.duration !== undefined || phase.arrivalRate !== undefined || phase.rampTo !== undefined) {
        throw new ScenarioError(
          `${at}: a pause phase has only \`pause\` (and \`name\`); move the rate to its own phase.`,
        );
      }
      return { name, durationS: parseDuration(phase.pause), arrivalRate: 0, rampTo: 0 };
    }
    if (phase.duration === undefined || phase.arrivalRate === undefined) {
      throw new ScenarioError(
        `${at}: a phase needs \`duration\` and \`arrivalRate\` (requests per second), or \`pause\`.`,
      );
    }
    return {
      name,
      durationS: parseDuration(phase.duration),
      arrivalRate: phase.arrivalRate,
      rampTo: phase.rampTo ?? phase.arrivalRate,
    };
  });
}

/** Reads a scenario file and resolves one profile, with errors that name the file, the place and the fix. */
export function loadScenario(path: string, displayName: string, profile: string): Scenario {
  const document = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ScenarioError(
      `${displayName} is not valid YAML:\n${document.errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
  }
  return parseScenario(document.toJS(), displayName, profile);
}

export function parseScenario(data: unknown, file: string, profile: string): Scenario {
  if (!validate(data)) {
    throw new ScenarioError(
      `${file} does not match the scenario schema (tools/plugins/perf/src/executors/perf/scenario.schema.json):\n${schemaProblems(validate.errors)}`,
    );
  }
  const raw = data as unknown as RawScenarioFile;
  const { phases, profiles } = profileOf(raw.config, file, profile);

  const requests: RequestSpec[] = raw.scenarios.map((scenario) => {
    const [[verb, request]] = Object.entries(scenario.flow[0]);
    const expected = (request.expect ?? [{ statusCode: [200] }]).flatMap((e) =>
      Array.isArray(e.statusCode) ? e.statusCode : [e.statusCode],
    );
    if (request.json !== undefined && request.body !== undefined) {
      throw new ScenarioError(`${file}: scenario "${scenario.name}" has both \`json\` and \`body\`; keep one.`);
    }
    return {
      name: scenario.name,
      weight: scenario.weight ?? 1,
      method: verb.toUpperCase() as HttpMethod,
      url: request.url,
      headers: request.headers ?? {},
      json: request.json,
      body: request.body,
      expectedStatuses: [...new Set(expected)],
    };
  });
  const names = requests.map((r) => r.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate)
    throw new ScenarioError(`${file}: two scenarios are named "${duplicate}"; names key the per-request report.`);
  if (requests.every((r) => r.weight === 0))
    throw new ScenarioError(`${file}: every scenario has weight 0, so none would be sent.`);

  const variables = raw.config.variables ?? {};
  checkPlaceholders(requests, variables, file);

  const service = serviceOf(raw.service);
  if (!service && !raw.config.target) {
    throw new ScenarioError(
      `${file}: set config.target (e.g. http://127.0.0.1:8000) or a \`service\` block that starts the service.`,
    );
  }
  return {
    file,
    profile,
    profiles,
    target: raw.config.target,
    phases,
    requests,
    variables,
    timeoutS: raw.config.http?.timeout ?? 10,
    maxConnections: raw.config.http?.maxConnections ?? 64,
    service,
  };
}

function profileOf(
  config: RawScenarioFile['config'],
  file: string,
  profile: string,
): { phases: Phase[]; profiles: string[] } {
  const profiles: Record<string, RawPhase[]> = { [BASE_PROFILE]: config.phases };
  for (const [name, environment] of Object.entries(config.environments ?? {})) profiles[name] = environment.phases;
  const chosen = profiles[profile];
  if (!chosen) {
    throw new ScenarioError(
      `${file} has no profile "${profile}". Profiles: ${Object.keys(profiles).join(', ')} ` +
        `("${BASE_PROFILE}" is config.phases; add others under config.environments.<name>.phases).`,
    );
  }
  const where = profile === BASE_PROFILE ? 'config.phases' : `config.environments.${profile}.phases`;
  const phases = phasesOf(chosen, where);
  if (!phases.some((phase) => phase.arrivalRate > 0 || phase.rampTo > 0)) {
    throw new ScenarioError(
      `${file}: profile "${profile}" sends no requests: give at least one phase an arrivalRate above 0.`,
    );
  }
  return { phases, profiles: Object.keys(profiles) };
}

function serviceOf(raw: RawScenarioFile['service']): ServiceSpec | undefined {
  return (
    raw && {
      command: raw.command,
      cwd: raw.cwd,
      env: raw.env ?? {},
      setup: raw.setup ?? [],
      readinessPath: raw.readiness?.path ?? '/health',
      readinessTimeoutS: raw.readiness?.timeout ?? 60,
      warmup: raw.warmup && { durationS: parseDuration(raw.warmup.duration), arrivalRate: raw.warmup.arrivalRate },
    }
  );
}

/**
 * A seed-format Artillery file for the artillery engine, which runs the file as it is: only the
 * profile's phases (for the run's bounds and the offered rate), the target, the timeout and our
 * optional `service` block are read here; flows, plugins and processors are Artillery's business.
 */
export function loadArtilleryScenario(path: string, file: string, profile: string): Scenario {
  const data = parseDocument(readFileSync(path, 'utf8')).toJS() as Partial<RawScenarioFile> | null;
  if (!data?.config || !Array.isArray(data.config.phases)) {
    throw new ScenarioError(`${file} is not an Artillery scenario: it needs config.phases.`);
  }
  const { phases, profiles } = profileOf(data.config, file, profile);
  const service = serviceOf(data.service);
  if (!service && !data.config.target) {
    throw new ScenarioError(
      `${file}: set config.target (e.g. http://127.0.0.1:8000) or a \`service\` block that starts the service.`,
    );
  }
  return {
    file,
    profile,
    profiles,
    target: data.config.target,
    phases,
    requests: [],
    variables: {},
    timeoutS: data.config.http?.timeout ?? 10,
    maxConnections: data.config.http?.maxConnections ?? 64,
    service,
  };
}

const PLACEHOLDER = /\{\{\s*([$\w]+)\s*\}\}/g;
/** Placeholders every request may use without declaring them. */
export const BUILTIN_VARIABLES = ['$uuid', '$iteration', '$randomInt'] as const;

function checkPlaceholders(requests: RequestSpec[], variables: Record<string, unknown>, file: string): void {
  for (const request of requests) {
    const text = JSON.stringify([request.url, request.headers, request.json ?? null, request.body ?? null]);
    for (const [, name] of text.matchAll(PLACEHOLDER)) {
      if (!(name in variables) && !(BUILTIN_VARIABLES as readonly string[]).includes(name)) {
        throw new ScenarioError(
          `${file}: scenario "${request.name}" uses {{ ${name} }}, which is not in config.variables ` +
            `(built-ins: ${BUILTIN_VARIABLES.join(', ')}).`,
        );
      }
    }
  }
}

/** Seconds the profile's phases take (not counting warm-up and drain). */
export function profileDurationS(phases: readonly Phase[]): number {
  return phases.reduce((sum, phase) => sum + phase.durationS, 0);
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** A host perf may send to: loopback, or one named in the target's `allowHosts`. */
export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  return (
    isLoopbackHost(host) ||
    allowedHosts.includes(host) ||
    allowedHosts.includes(host.replace(/^\[|\]$/g, '').toLowerCase())
  );
}

/**
 * A request URL in a scenario an engine runs as written (Artillery's flows): a path under the
 * target ("/items"), or an absolute http(s) URL whose host, written out, is loopback or allowed.
 * Anything else could send load elsewhere: a URL that starts with a placeholder ("{{ base }}/x"),
 * a protocol-relative one ("//host/x"), another scheme.
 */
export function checkRequestUrl(url: string, allowedHosts: readonly string[], where: string): void {
  if (url.startsWith('/') && !url.startsWith('//')) return;
  let parsed: URL | undefined;
  try {
    parsed = /^https?:\/\/[^/{}]+(\/|$)/i.test(url) ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    throw new ScenarioError(
      `${where}: request URL "${url}" is neither a path under the target ("/items") nor an http(s) URL with its host written out; write it as a path.`,
    );
  }
  if (!isAllowedHost(parsed.hostname, allowedHosts)) {
    throw new ScenarioError(
      `${where}: request URL "${url}" leaves the allowed hosts (${parsed.hostname} is not loopback). Perf runs only send load to this machine; ` +
        `write it as a path under the target, or add the host to the target's \`allowHosts\` option (e.g. --allowHosts=${parsed.hostname}).`,
    );
  }
}

/**
 * Load only ever goes to this machine unless a host is allowed by name: a typo in a target
 * should not become a load test against someone else's server.
 */
export function checkTarget(target: string, allowedHosts: readonly string[], file: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ScenarioError(`${file}: target "${target}" is not a URL (write e.g. http://127.0.0.1:8000).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ScenarioError(`${file}: target "${target}" must be http:// or https://.`);
  }
  if (!isAllowedHost(url.hostname, allowedHosts)) {
    throw new ScenarioError(
      `${file}: target host "${url.hostname}" is not a loopback address. Perf runs only send load to this machine; ` +
        `to load another host on purpose, add it to the target's \`allowHosts\` option (e.g. --allowHosts=${url.hostname}).`,
    );
  }
  return url;
}

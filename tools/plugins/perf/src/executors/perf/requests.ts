import { randomUUID } from 'node:crypto';
import type { HttpMethod, RequestSpec, VariableValue } from './scenario';

/**
 * A request ready to send: placeholders filled, body serialised. A request without placeholders
 * is rendered once and the same object returned every time, so it is read-only.
 */
export interface RenderedRequest {
  readonly name: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** mulberry32: a tiny seeded PRNG, so a profile picks the same mix of requests on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks scenarios by weight. */
export function weightedPicker(requests: readonly RequestSpec[], random: () => number): () => RequestSpec {
  const total = requests.reduce((sum, r) => sum + r.weight, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const request of requests) cumulative.push((running += request.weight / total));
  return () => {
    const x = random();
    const index = cumulative.findIndex((edge) => x < edge);
    return requests[index === -1 ? requests.length - 1 : index];
  };
}

type Variables = Record<string, VariableValue | VariableValue[]>;

/**
 * Fills {{ name }} placeholders. A placeholder that is a whole JSON string value keeps the
 * variable's type (a number stays a number); inside a longer string it is interpolated.
 */
export function createRenderer(variables: Variables, random: () => number) {
  let iteration = 0;
  // A request without placeholders renders the same every time: render it once (a static
  // endpoint under load is the common case, and the engine's cost per request is what bounds it).
  const constant = new Map<RequestSpec, RenderedRequest | undefined>();
  return (spec: RequestSpec): RenderedRequest => {
    iteration += 1;
    if (!constant.has(spec)) constant.set(spec, hasPlaceholder(spec) ? undefined : renderOnce(spec));
    return constant.get(spec) ?? renderOnce(spec);
  };

  function renderOnce(spec: RequestSpec): RenderedRequest {
    const values = new Map<string, VariableValue>();
    const valueOf = (name: string): VariableValue => {
      if (!values.has(name)) values.set(name, resolve(name, variables, random, iteration));
      return values.get(name) as VariableValue;
    };
    const fillString = (text: string): VariableValue => {
      const whole = /^\{\{\s*([$\w]+)\s*\}\}$/.exec(text);
      if (whole) return valueOf(whole[1]);
      return text.replace(/\{\{\s*([$\w]+)\s*\}\}/g, (_m, name: string) => String(valueOf(name)));
    };
    const fill = (value: unknown): unknown => {
      if (typeof value === 'string') return fillString(value);
      if (Array.isArray(value)) return value.map(fill);
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
      return value;
    };
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.headers)) headers[key.toLowerCase()] = String(fillString(value));
    let body: string | undefined;
    if (spec.json !== undefined) {
      body = JSON.stringify(fill(spec.json));
      headers['content-type'] ??= 'application/json';
    } else if (spec.body !== undefined) {
      body = String(fillString(spec.body));
    }
    return { name: spec.name, method: spec.method, path: String(fillString(spec.url)), headers, body };
  }
}

const PLACEHOLDER = /\{\{\s*[$\w]+\s*\}\}/;

function hasPlaceholder(spec: RequestSpec): boolean {
  return [spec.url, spec.body ?? '', JSON.stringify(spec.json ?? null), ...Object.values(spec.headers)].some((text) =>
    PLACEHOLDER.test(text),
  );
}

function resolve(name: string, variables: Variables, random: () => number, iteration: number): VariableValue {
  switch (name) {
    case '$uuid':
      return randomUUID();
    case '$iteration':
      return iteration;
    case '$randomInt':
      return Math.floor(random() * 1_000_000);
  }
  const value = variables[name];
  if (Array.isArray(value)) return value[Math.floor(random() * value.length)];
  return value;
}

/** The parts of a served OpenAPI 3 document the scanners are driven from. */
export interface OpenApiDocument {
  openapi?: string;
  paths?: Record<string, Record<string, OpenApiOperation | unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema; example?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema; example?: unknown }> };
}

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  minLength?: number;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/** One request sqlmap attacks: its query parameters and JSON body fields, with valid sample values. */
export interface InjectionTarget {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
  /** The parameters attacked: query names, and body field names. */
  parameters: string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function resolve(document: OpenApiDocument, schema: JsonSchema | undefined, depth = 0): JsonSchema {
  if (!schema || depth > 8) return {};
  if (schema.$ref?.startsWith('#/components/schemas/')) {
    return resolve(
      document,
      document.components?.schemas?.[schema.$ref.slice('#/components/schemas/'.length)],
      depth + 1,
    );
  }
  if (schema.allOf?.length === 1) return resolve(document, schema.allOf[0], depth + 1);
  if (schema.anyOf) return resolve(document, schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0], depth + 1);
  return schema;
}

/** A value the schema accepts, so that the request reaches the code behind validation. */
export function sampleOf(document: OpenApiDocument, raw: JsonSchema | undefined, depth = 0): unknown {
  const schema = resolve(document, raw);
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      if (depth > 4) return {};
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([name]) => schema.required?.includes(name))
          .map(([name, property]) => [name, sampleOf(document, property, depth + 1)]),
      );
    default:
      if (schema.format === 'email') return 'dast@example.test';
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'a'.repeat(Math.max(schema.minLength ?? 1, 4));
  }
}

/**
 * Every operation with a query parameter or a JSON body field, without path parameters (their
 * values name resources a scan cannot guess), minus the excluded paths.
 */
export function injectionTargets(document: OpenApiDocument, excludePaths: readonly string[]): InjectionTarget[] {
  const targets: InjectionTarget[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (path.includes('{') || excludePaths.includes(path)) continue;
    for (const method of METHODS) {
      const operation = item[method] as OpenApiOperation | undefined;
      if (!operation) continue;
      const queryParameters = (operation.parameters ?? []).filter((p) => p.in === 'query');
      const query = Object.fromEntries(
        queryParameters.map((p) => [p.name, String(p.example ?? sampleOf(document, p.schema))]),
      );
      const json = operation.requestBody?.content?.['application/json'];
      const bodySchema = json ? resolve(document, json.schema) : undefined;
      const body = bodySchema
        ? ((json?.example as Record<string, unknown> | undefined) ??
          (sampleOf(document, { ...bodySchema, required: Object.keys(bodySchema.properties ?? {}) }) as Record<
            string,
            unknown
          >))
        : undefined;
      const bodyFields = Object.entries(bodySchema?.properties ?? {})
        .filter(([, property]) => {
          const type = resolve(document, property).type;
          return type === 'string' || type === 'integer' || type === 'number';
        })
        .map(([name]) => name);
      const parameters = [...Object.keys(query), ...bodyFields];
      if (parameters.length === 0) continue;
      targets.push({
        method: method.toUpperCase(),
        path,
        query,
        body: bodyFields.length ? body : undefined,
        parameters,
      });
    }
  }
  return targets;
}

/** Fetches and parses the served document, with an error that names the path and the fix. */
export async function fetchOpenApi(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<OpenApiDocument> {
  const response = await fetch(baseUrl + path, { headers, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) {
    throw new Error(
      `The service answered ${response.status} for its OpenAPI document at ${path}. Set \`openapi\` in dast.yml to the path it serves it at (and make sure the service serves it with its local defaults).`,
    );
  }
  const document = (await response.json()) as OpenApiDocument;
  if (!document.paths) throw new Error(`${path} is not an OpenAPI document (no \`paths\`).`);
  return document;
}

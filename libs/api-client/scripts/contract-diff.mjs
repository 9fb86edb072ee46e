// Pure comparison of two OpenAPI documents: what a person must know when the committed client no longer
// matches the backend (which operations and schemas appeared, disappeared or changed).

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Stable JSON: object keys sorted, so that key order never counts as a contract change. */
export function canonicalJson(value) {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function operations(doc) {
  const result = new Map();
  for (const [path, item] of Object.entries(doc?.paths ?? {})) {
    for (const method of METHODS) {
      if (item?.[method]) result.set(`${method.toUpperCase()} ${path}`, item[method]);
    }
  }
  return result;
}

function schemas(doc) {
  return new Map(Object.entries(doc?.components?.schemas ?? {}).map(([name, schema]) => [`schema ${name}`, schema]));
}

function compare(before, after) {
  const changes = [];
  for (const [name, value] of after) {
    if (!before.has(name)) changes.push({ kind: 'added', name });
    else if (canonicalJson(before.get(name)) !== canonicalJson(value)) changes.push({ kind: 'changed', name });
  }
  for (const name of before.keys()) {
    if (!after.has(name)) changes.push({ kind: 'removed', name });
  }
  return changes;
}

/**
 * Differences from the committed document to the backend's current one, operations first, then schemas.
 * Anything else that differs (info, servers, security schemes) is reported as one "document" change.
 */
export function diffDocuments(committed, current) {
  const changes = [
    ...compare(operations(committed), operations(current)),
    ...compare(schemas(committed), schemas(current)),
  ];
  if (changes.length === 0 && canonicalJson(committed) !== canonicalJson(current)) {
    changes.push({ kind: 'changed', name: 'document (info, servers or security schemes)' });
  }
  return changes;
}

export function formatChanges(changes) {
  const sign = { added: '+', removed: '-', changed: '~' };
  return changes.map((change) => `  ${sign[change.kind]} ${change.name} (${change.kind})`).join('\n');
}

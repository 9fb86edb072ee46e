import { describe, expect, it } from 'vitest';
import { canonicalJson, diffDocuments, formatChanges } from './contract-diff.mjs';

const base = {
  openapi: '3.1.0',
  info: { title: 'API', version: '1' },
  paths: { '/a': { get: { operationId: 'a' } } },
  components: { schemas: { A: { type: 'object' } } },
};

describe('diffDocuments', () => {
  it('finds nothing when only key order differs', () => {
    const reordered = {
      components: base.components,
      paths: base.paths,
      info: { version: '1', title: 'API' },
      openapi: '3.1.0',
    };
    expect(diffDocuments(base, reordered)).toEqual([]);
    expect(canonicalJson(base)).toBe(canonicalJson(reordered));
  });

  it('names added, removed and changed operations and schemas', () => {
    const current = {
      ...base,
      paths: { '/a': { get: { operationId: 'a2' } }, '/b': { post: { operationId: 'b' } } },
      components: { schemas: { B: { type: 'string' } } },
    };
    const changes = diffDocuments(base, current);
    expect(changes).toEqual([
      { kind: 'changed', name: 'GET /a' },
      { kind: 'added', name: 'POST /b' },
      { kind: 'added', name: 'schema B' },
      { kind: 'removed', name: 'schema A' },
    ]);
    expect(formatChanges(changes)).toContain('  + POST /b (added)');
  });

  it('reports other differences as a document change', () => {
    expect(diffDocuments(base, { ...base, info: { title: 'API', version: '2' } })).toEqual([
      { kind: 'changed', name: 'document (info, servers or security schemes)' },
    ]);
  });

  it('treats a missing committed document as every operation added', () => {
    expect(diffDocuments({}, base).map((c) => c.kind)).toEqual(['added', 'added']);
  });
});

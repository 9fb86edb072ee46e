import { describe, expect, it, vi } from 'vitest';
import { createAdminApi } from './admin';
import { ApiError } from './errors';

type Handler = (request: Request) => Response | Promise<Response>;

function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' }, ...init });
}

function fakeFetch(handler: Handler) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const request = input instanceof Request ? input : new Request(input);
    requests.push(request);
    return handler(request);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

const document = {
  id: 'doc_1',
  filename: 'returns.md',
  content_type: 'text/markdown',
  size_bytes: 120,
  status: 'ready' as const,
  chunk_count: 2,
  created_at: '2026-11-26T05:00:00Z',
};

describe('createAdminApi', () => {
  it('logs in without a token and sends the token on later calls', async () => {
    let token: string | null = null;
    const { fetch, requests } = fakeFetch((request) =>
      request.url.endsWith('/auth/login')
        ? json({ access_token: 'jwt', token_type: 'bearer', expires_in: 3600 })
        : json({ email: 'admin@acme.test', workspace: { id: 'w1', name: 'Acme Support' } }),
    );
    const api = createAdminApi({ baseUrl: 'http://api.test', getToken: () => token, fetch });

    const issued = await api.login('admin@acme.test', 'secret');
    token = issued.access_token;
    const me = await api.me();

    expect(requests[0].url).toBe('http://api.test/api/v1/auth/login');
    expect(requests[0].headers.has('Authorization')).toBe(false);
    expect(await requests[0].json()).toEqual({ email: 'admin@acme.test', password: 'secret' });
    expect(requests[1].headers.get('Authorization')).toBe('Bearer jwt');
    expect(me.workspace.name).toBe('Acme Support');
  });

  it('uploads a document as multipart with the file under "file"', async () => {
    const { fetch, requests } = fakeFetch(() => json(document, { status: 201 }));
    const api = createAdminApi({ getToken: () => 't', fetch, baseUrl: 'http://api.test' });

    const created = await api.uploadDocument(new File(['# Returns'], 'returns.md', { type: 'text/markdown' }));

    expect(created).toEqual(document);
    expect(requests[0].method).toBe('POST');
    const form = await requests[0].formData();
    const file = form.get('file') as File;
    expect(file.name).toBe('returns.md');
    expect(await file.text()).toBe('# Returns');
  });

  it('lists documents, conversations (with filters), widget keys and analytics', async () => {
    const { fetch, requests } = fakeFetch((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/v1/documents') return json({ items: [document] });
      if (path === '/api/v1/conversations') return json({ items: [] });
      if (path === '/api/v1/conversations/c1')
        return json({ id: 'c1', started_at: 'x', escalated: true, messages: [] });
      if (path === '/api/v1/widget-keys') return json({ items: [{ key: 'k', allowed_origins: [], created_at: 'x' }] });
      return json({ questions_per_day: [], answered: 3, escalated: 1, answer_latency_ms: { p50: 10, p95: 20 } });
    });
    const api = createAdminApi({ getToken: () => 't', fetch, baseUrl: 'http://api.test' });

    expect(await api.listDocuments()).toEqual([document]);
    expect(await api.listConversations({ escalated: true })).toEqual([]);
    expect((await api.getConversation('c1')).escalated).toBe(true);
    expect((await api.listWidgetKeys())[0].key).toBe('k');
    expect((await api.analytics(7)).answered).toBe(3);

    expect(requests[1].url).toBe('http://api.test/api/v1/conversations?escalated=true');
    expect(requests[4].url).toBe('http://api.test/api/v1/analytics?days=7');
  });

  it('creates, updates, rotates and revokes widget keys and deletes documents', async () => {
    const key = { key: 'ccg_k', allowed_origins: ['https://shop.test'], created_at: 'x' };
    const { fetch, requests } = fakeFetch((request) =>
      request.method === 'DELETE'
        ? new Response(null, { status: 204 })
        : json(key, { status: request.method === 'POST' ? 201 : 200 }),
    );
    const api = createAdminApi({ getToken: () => 't', fetch, baseUrl: 'http://api.test' });

    expect(await api.createWidgetKey(['https://shop.test'])).toEqual(key);
    expect(await api.updateWidgetKey('ccg_k', ['https://shop.test'])).toEqual(key);
    await expect(api.deleteDocument('doc 1')).resolves.toBeUndefined();
    expect(await api.rotateWidgetKey('ccg_k')).toEqual(key);
    await expect(api.revokeWidgetKey('ccg_k')).resolves.toBeUndefined();

    expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'POST /api/v1/widget-keys',
      'PUT /api/v1/widget-keys/ccg_k',
      'DELETE /api/v1/documents/doc%201',
      'POST /api/v1/widget-keys/ccg_k/rotate',
      'DELETE /api/v1/widget-keys/ccg_k',
    ]);
    expect(await requests[1].json()).toEqual({ allowed_origins: ['https://shop.test'] });
  });

  it('throws the API error envelope as an ApiError and reports 401 on authenticated calls', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(() =>
      json({ error: { code: 'invalid_token', message: 'Your session has expired.' } }, { status: 401 }),
    );
    const api = createAdminApi({ getToken: () => 'expired', fetch, onUnauthorized, baseUrl: 'http://api.test' });

    const error = await api.listDocuments().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', message: 'Your session has expired.' });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('does not report a failed login as an expired session', async () => {
    const onUnauthorized = vi.fn();
    const { fetch } = fakeFetch(() =>
      json({ error: { code: 'invalid_credentials', message: 'Wrong email or password.' } }, { status: 401 }),
    );
    const api = createAdminApi({ getToken: () => null, fetch, onUnauthorized, baseUrl: 'http://api.test' });

    await expect(api.login('a@b.c', 'nope')).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});

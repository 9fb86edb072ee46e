import createClient from 'openapi-fetch';
import type { paths } from './generated/schema';
import { unwrap } from './request';
import type { Analytics, ConversationDetail, ConversationSummary, Document, Me, Token, WidgetKey } from './types';

export interface AdminApiOptions {
  /** Origin of the API, e.g. `https://api.example.com`; empty for the page's own origin. */
  baseUrl?: string;
  /** Returns the admin's JWT, or null before login. Read on every request, so a new login takes effect at once. */
  getToken: () => string | null;
  /** Called when the API answers 401 on an authenticated call (expired or revoked token). */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export interface ConversationFilter {
  escalated?: boolean;
  since?: string;
  until?: string;
}

/** The admin console's calls, typed by the backend's OpenAPI document. Every method throws ApiError on failure. */
export function createAdminApi(options: AdminApiOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl ?? '', fetch: options.fetch });
  client.use({
    onRequest({ request }) {
      const token = options.getToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ response, request }) {
      if (response.status === 401 && request.headers.has('Authorization')) options.onUnauthorized?.();
      return response;
    },
  });

  return {
    login: (email: string, password: string): Promise<Token> =>
      unwrap(client.POST('/api/v1/auth/login', { body: { email, password } })),
    me: (): Promise<Me> => unwrap(client.GET('/api/v1/me')),
    listDocuments: async (): Promise<Document[]> => (await unwrap(client.GET('/api/v1/documents'))).items,
    uploadDocument: (file: File): Promise<Document> =>
      unwrap(
        client.POST('/api/v1/documents', {
          // The generated type says `string` for a binary part; the browser sends the File as multipart.
          body: { file: file.name },
          bodySerializer: () => {
            const form = new FormData();
            form.append('file', file, file.name);
            return form;
          },
        }),
      ),
    deleteDocument: async (id: string): Promise<void> => {
      await unwrap(client.DELETE('/api/v1/documents/{document_id}', { params: { path: { document_id: id } } }));
    },
    listConversations: async (filter: ConversationFilter = {}): Promise<ConversationSummary[]> =>
      (await unwrap(client.GET('/api/v1/conversations', { params: { query: filter } }))).items,
    getConversation: (id: string): Promise<ConversationDetail> =>
      unwrap(client.GET('/api/v1/conversations/{conversation_id}', { params: { path: { conversation_id: id } } })),
    listWidgetKeys: async (): Promise<WidgetKey[]> => (await unwrap(client.GET('/api/v1/widget-keys'))).items,
    createWidgetKey: (allowedOrigins: string[]): Promise<WidgetKey> =>
      unwrap(client.POST('/api/v1/widget-keys', { body: { allowed_origins: allowedOrigins } })),
    updateWidgetKey: (key: string, allowedOrigins: string[]): Promise<WidgetKey> =>
      unwrap(
        client.PUT('/api/v1/widget-keys/{key}', {
          params: { path: { key } },
          body: { allowed_origins: allowedOrigins },
        }),
      ),
    /** A new key with the same allowed origins; the old key stops working at once. */
    rotateWidgetKey: (key: string): Promise<WidgetKey> =>
      unwrap(client.POST('/api/v1/widget-keys/{key}/rotate', { params: { path: { key } } })),
    /** The widget API refuses the key from now on. */
    revokeWidgetKey: async (key: string): Promise<void> => {
      await unwrap(client.DELETE('/api/v1/widget-keys/{key}', { params: { path: { key } } }));
    },
    analytics: (days = 30): Promise<Analytics> =>
      unwrap(client.GET('/api/v1/analytics', { params: { query: { days } } })),
  };
}

export type AdminApi = ReturnType<typeof createAdminApi>;

import type { AdminApi, Document } from '@customercare/api-client';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { ConsoleRoutes } from './App';
import { AuthProvider } from './auth';
import { tokenStore } from './session';

export const document = (overrides: Partial<Document> = {}): Document => ({
  id: 'doc-1',
  filename: 'returns-policy.md',
  content_type: 'text/markdown',
  size_bytes: 2048,
  status: 'ready',
  chunk_count: 3,
  created_at: '2026-11-26T05:00:00Z',
  ...overrides,
});

/** An AdminApi whose every call is a vi.fn with a harmless default answer; tests override what they need. */
export function fakeApi(overrides: Partial<AdminApi> = {}): AdminApi {
  return {
    login: vi.fn(async () => ({ access_token: 'jwt', token_type: 'bearer' as const, expires_in: 3600 })),
    me: vi.fn(async () => ({ email: 'admin@acme.test', workspace: { id: 'w1', name: 'Acme Support' } })),
    listDocuments: vi.fn(async () => [document()]),
    uploadDocument: vi.fn(async () => document({ id: 'doc-2', filename: 'shipping.md', status: 'processing' })),
    deleteDocument: vi.fn(async () => undefined),
    listConversations: vi.fn(async () => []),
    getConversation: vi.fn(async (id: string) => ({
      id,
      started_at: '2026-11-26T05:00:00Z',
      escalated: false,
      messages: [],
    })),
    listWidgetKeys: vi.fn(async () => []),
    createWidgetKey: vi.fn(async (origins: string[]) => ({
      key: 'ccg_new',
      allowed_origins: origins,
      created_at: 'x',
    })),
    updateWidgetKey: vi.fn(async (key: string, origins: string[]) => ({
      key,
      allowed_origins: origins,
      created_at: 'x',
    })),
    rotateWidgetKey: vi.fn(async () => ({ key: 'ccg_rotated', allowed_origins: [], created_at: 'x' })),
    revokeWidgetKey: vi.fn(async () => undefined),
    analytics: vi.fn(async () => ({
      questions_per_day: [],
      answered: 0,
      escalated: 0,
      answer_latency_ms: { p50: null, p95: null },
    })),
    ...overrides,
  };
}

/** Renders the console's routes at `path`, signed in unless told otherwise. */
export function renderConsole(path: string, api: AdminApi, { signedIn = true } = {}) {
  if (signedIn) tokenStore.set('jwt');
  else tokenStore.clear();
  const user = userEvent.setup();
  const view = render(
    <AuthProvider api={api}>
      <MemoryRouter initialEntries={[path]}>
        <ConsoleRoutes publicApiOrigin="https://api.acme.test" />
      </MemoryRouter>
    </AuthProvider>,
  );
  return { user, ...view };
}

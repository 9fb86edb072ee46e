import { ApiError, type ChatResponse, type Message, type WidgetApi } from '@customercare/api-client';
import { vi } from 'vitest';

export function answer(
  content: string,
  overrides: Partial<ChatResponse> = {},
  citations: Message['citations'] = [],
): ChatResponse {
  return {
    conversation_id: 'conv-1',
    escalated: false,
    message: { id: `m-${content}`, role: 'assistant', content, citations, created_at: '2026-11-26T05:00:00Z' },
    ...overrides,
  };
}

/** A WidgetApi whose answers the test releases one by one, so in-between states can be asserted. */
export function controlledApi() {
  const calls: {
    message: string;
    conversationId: string | null;
    resolve: (r: ChatResponse) => void;
    reject: (e: ApiError) => void;
  }[] = [];
  const api: WidgetApi = {
    chat: vi.fn(
      (message: string, conversationId: string | null) =>
        new Promise<ChatResponse>((resolve, reject) => calls.push({ message, conversationId, resolve, reject })),
    ),
  };
  return { api, calls };
}

export const networkDown = () => new ApiError(0, 'network_error', 'Could not reach the server (Failed to fetch).');

import createClient from 'openapi-fetch';
import type { paths } from './generated/schema';
import { unwrap } from './request';
import type { ChatResponse } from './types';

export interface WidgetApiOptions {
  /** Origin of the API that served widget.js. */
  baseUrl: string;
  /** The workspace's public widget key (sent as X-Widget-Key; the API also checks the page's Origin). */
  widgetKey: string;
  fetch?: typeof fetch;
}

/** The public, key-authenticated calls the embeddable widget makes. Throws ApiError on failure. */
export function createWidgetApi(options: WidgetApiOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  return {
    chat: (message: string, conversationId: string | null): Promise<ChatResponse> =>
      unwrap(
        client.POST('/api/v1/widget/chat', {
          // A security scheme in the document (apiKey in header), so not a typed parameter.
          headers: { 'X-Widget-Key': options.widgetKey },
          body: { message, conversation_id: conversationId },
        }),
      ),
  };
}

export type WidgetApi = ReturnType<typeof createWidgetApi>;

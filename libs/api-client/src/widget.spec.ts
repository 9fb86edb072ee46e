import { describe, expect, it, vi } from 'vitest';
import { createWidgetApi } from './widget';

describe('createWidgetApi', () => {
  it('sends the widget key and the conversation id with each message', async () => {
    const answer = {
      conversation_id: 'c1',
      escalated: false,
      message: { id: 'm2', role: 'assistant', content: 'Within 30 days.', citations: [], created_at: 'x' },
    };
    const requests: Request[] = [];
    const fetch = vi.fn(async (request: Request) => {
      requests.push(request);
      return new Response(JSON.stringify(answer), { headers: { 'Content-Type': 'application/json' } });
    });
    const api = createWidgetApi({
      baseUrl: 'http://api.test',
      widgetKey: 'ccg_key',
      fetch: fetch as unknown as typeof globalThis.fetch,
    });

    expect(await api.chat('How long do returns take?', null)).toEqual(answer);
    await api.chat('And refunds?', 'c1');

    expect(requests[0].url).toBe('http://api.test/api/v1/widget/chat');
    expect(requests[0].headers.get('x-widget-key')).toBe('ccg_key');
    expect(await requests[0].json()).toEqual({ message: 'How long do returns take?', conversation_id: null });
    expect(await requests[1].json()).toEqual({ message: 'And refunds?', conversation_id: 'c1' });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { initialConversation, reduce } from './conversation';
import { sessionStore } from './persistence';

afterEach(() => sessionStorage.clear());

describe('sessionStore', () => {
  it('keeps what was said per widget key, without the question in flight', () => {
    const store = sessionStore('ccg_a');
    const state = reduce(initialConversation, { type: 'sent', question: 'Hello?', at: 't' });
    store.save({ ...state, conversationId: 'c1', escalated: true });

    expect(store.load()).toEqual({ conversationId: 'c1', escalated: true, messages: state.messages });
    expect(sessionStore('ccg_b').load()).toBeNull();
  });

  it('starts afresh from a corrupt entry and survives blocked storage', () => {
    sessionStorage.setItem('customercare.widget.ccg_a', '{not json');
    expect(sessionStore('ccg_a').load()).toBeNull();

    const blocked = {
      getItem: vi.fn(() => {
        throw new Error('SecurityError');
      }),
      setItem: vi.fn(() => {
        throw new Error('QuotaExceeded');
      }),
    };
    const store = sessionStore('ccg_a', blocked as unknown as Storage);
    expect(store.load()).toBeNull();
    expect(() => store.save(initialConversation)).not.toThrow();
  });
});

import { ApiError } from '@customercare/api-client';
import { describe, expect, it } from 'vitest';
import { describeFailure, initialConversation, reduce } from './conversation';
import { answer, networkDown } from './test-api';

describe('reduce', () => {
  const sent = reduce(initialConversation, { type: 'sent', question: 'Where is my order?', at: 't' });

  it('adds the question and marks it pending', () => {
    expect(sent.pending).toBe('Where is my order?');
    expect(sent.messages).toMatchObject([{ role: 'customer', content: 'Where is my order?' }]);
  });

  it('records the answer, the conversation id and a sticky escalation', () => {
    const escalated = reduce(sent, {
      type: 'answered',
      conversationId: 'c9',
      answer: answer('A person will help.').message,
      escalated: true,
    });
    const later = reduce(reduce(escalated, { type: 'sent', question: 'Thanks', at: 't' }), {
      type: 'answered',
      conversationId: 'c9',
      answer: answer('You are welcome.').message,
      escalated: false,
    });
    expect(escalated).toMatchObject({ conversationId: 'c9', pending: null, escalated: true });
    expect(later.escalated).toBe(true);
    expect(later.messages).toHaveLength(4);
  });

  it('keeps the failed question for a retry, then sends it again', () => {
    const failed = reduce(sent, { type: 'failed', error: networkDown() });
    expect(failed.pending).toBeNull();
    expect(failed.failure?.question).toBe('Where is my order?');
    const retrying = reduce(failed, { type: 'retrying' });
    expect(retrying).toMatchObject({ pending: 'Where is my order?', failure: null });
    expect(retrying.messages).toHaveLength(1);
  });

  it('ignores a failure with nothing pending and a retry with nothing failed', () => {
    expect(reduce(initialConversation, { type: 'failed', error: networkDown() })).toBe(initialConversation);
    expect(reduce(initialConversation, { type: 'retrying' })).toBe(initialConversation);
  });
});

describe('describeFailure', () => {
  it.each([
    [networkDown(), 'We could not reach the support service. Check your connection, then retry.'],
    [
      new ApiError(429, 'rate_limited', 'x', undefined, 12),
      'You are sending messages too quickly. Please retry in 12 seconds.',
    ],
    [new ApiError(429, 'rate_limited', 'x'), 'You are sending messages too quickly. Please retry in a moment.'],
    [new ApiError(503, 'unavailable', 'x'), 'The support service had a problem answering. Please retry.'],
    [new ApiError(400, 'message_too_long', 'Your message is too long.'), 'Your message is too long.'],
  ])('explains %s', (error, text) => {
    expect(describeFailure(error)).toBe(text);
  });
});

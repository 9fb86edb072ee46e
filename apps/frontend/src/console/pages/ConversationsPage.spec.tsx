import { ApiError } from '@customercare/api-client';
import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, renderConsole } from '../test-api';

const summary = (id: string, escalated: boolean, last: string) => ({
  id,
  started_at: '2026-11-26T05:00:00Z',
  escalated,
  message_count: 2,
  last_message: last,
});

describe('ConversationsPage', () => {
  it('filters to escalated conversations and opens a transcript', async () => {
    const listConversations = vi.fn(async (filter?: { escalated?: boolean }) =>
      filter?.escalated ? [summary('c2', true, 'I need a human')] : [summary('c1', false, 'Thanks!'), summary('c2', true, 'I need a human')],
    );
    const getConversation = vi.fn(async () => ({
      id: 'c2',
      started_at: '2026-11-26T05:00:00Z',
      escalated: true,
      messages: [
        { id: 'm1', role: 'customer' as const, content: 'Can I return shoes?', citations: [], created_at: 'x' },
        {
          id: 'm2',
          role: 'assistant' as const,
          content: 'Yes, within 30 days.',
          citations: [{ document_id: 'd1', document_name: 'returns-policy.md', passage_id: 'p1', snippet: 'within 30 days' }],
          created_at: 'x',
        },
      ],
    }));
    const { user } = renderConsole('/conversations', fakeApi({ listConversations, getConversation }));

    expect(await screen.findByRole('link', { name: 'Thanks!' })).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'Escalated only' }));
    const list = await screen.findByRole('list', { name: 'Escalated conversations' });
    expect(list).toHaveTextContent('I need a human');
    expect(list).not.toHaveTextContent('Thanks!');
    expect(listConversations).toHaveBeenLastCalledWith({ escalated: true });

    await user.click(screen.getByRole('link', { name: 'I need a human' }));
    expect(await screen.findByRole('heading', { name: 'Transcript' })).toBeInTheDocument();
    expect(getConversation).toHaveBeenCalledWith('c2');
    expect(screen.getByText('Yes, within 30 days.')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Sources' })).toHaveTextContent('returns-policy.md: “within 30 days”');

    await user.click(screen.getByRole('link', { name: '← All conversations' }));
    await user.click(await screen.findByRole('checkbox', { name: 'Escalated only' }));
    expect(await screen.findByRole('list', { name: 'Escalated conversations' })).toBeInTheDocument();
  });

  it('says when there is nothing to show', async () => {
    renderConsole('/conversations?escalated=true', fakeApi());
    expect(await screen.findByText('No escalated conversations.')).toBeInTheDocument();
  });

  it('shows a missing transcript as an error', async () => {
    const getConversation = vi.fn().mockRejectedValue(new ApiError(404, 'conversation_not_found', 'There is no such conversation.'));
    renderConsole('/conversations/zzz', fakeApi({ getConversation }));
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no such conversation.');
  });
});

import { ApiError } from '@customercare/api-client';
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, renderConsole } from '../test-api';
import { filterFromParams } from './ConversationsPage';

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
      filter?.escalated
        ? [summary('c2', true, 'I need a human')]
        : [summary('c1', false, 'Thanks!'), summary('c2', true, 'I need a human')],
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
          citations: [
            { document_id: 'd1', document_name: 'returns-policy.md', passage_id: 'p1', snippet: 'within 30 days' },
          ],
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

  it('filters by day, and clears a day filter', async () => {
    const api = fakeApi();
    const { user } = renderConsole('/conversations?escalated=true', api);
    await screen.findByText('No escalated conversations.');

    await user.type(screen.getByLabelText('From'), '2026-11-01');
    await waitFor(() =>
      expect(api.listConversations).toHaveBeenLastCalledWith({ escalated: true, since: '2026-11-01T00:00:00Z' }),
    );
    await user.clear(screen.getByLabelText('From'));
    await waitFor(() => expect(api.listConversations).toHaveBeenLastCalledWith({ escalated: true }));
  });

  it('says when there is nothing to show', async () => {
    renderConsole('/conversations?escalated=true', fakeApi());
    expect(await screen.findByText('No escalated conversations.')).toBeInTheDocument();
  });

  it('shows a missing transcript as an error', async () => {
    const getConversation = vi
      .fn()
      .mockRejectedValue(new ApiError(404, 'conversation_not_found', 'There is no such conversation.'));
    renderConsole('/conversations/zzz', fakeApi({ getConversation }));
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no such conversation.');
  });
});

describe('filterFromParams', () => {
  it('turns whole days into an inclusive UTC range', () => {
    expect(filterFromParams(new URLSearchParams('from=2026-11-01&to=2026-11-30'))).toEqual({
      since: '2026-11-01T00:00:00Z',
      until: '2026-11-30T23:59:59.999Z',
    });
    expect(filterFromParams(new URLSearchParams('escalated=false'))).toEqual({});
  });
});

/** @jsxImportSource preact */
import { render, screen, waitFor } from '@testing-library/preact';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { answer, controlledApi, networkDown } from './test-api';
import { Widget } from './Widget';

function setup() {
  const { api, calls } = controlledApi();
  const user = userEvent.setup();
  render(<Widget api={api} title="Acme help" now={() => '2026-11-26T05:00:00Z'} />);
  const launcher = screen.getByRole('button', { name: 'Chat with us' });
  return { api, calls, user, launcher };
}

async function ask(user: ReturnType<typeof userEvent.setup>, question: string, calls: unknown[]) {
  const before = calls.length;
  await user.type(screen.getByLabelText('Your question'), question);
  await user.click(screen.getByRole('button', { name: 'Send' }));
  await waitFor(() => expect(calls).toHaveLength(before + 1));
}

describe('Widget', () => {
  it('opens into the composer and closes with Escape, returning focus to the launcher', async () => {
    const { user, launcher } = setup();
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(launcher);
    expect(launcher).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('dialog', { name: 'Acme help chat' })).toBeVisible();
    // Preact runs effects after paint, hence waitFor for what effects do (focus, requests).
    await waitFor(() => expect(screen.getByLabelText('Your question')).toHaveFocus());

    await user.keyboard('{Escape}');
    expect(launcher).toHaveAttribute('aria-expanded', 'false');
    await waitFor(() => expect(launcher).toHaveFocus());
  });

  it('closes from the header button', async () => {
    const { user, launcher } = setup();
    await user.click(launcher);
    await user.click(screen.getByRole('button', { name: 'Close chat' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(launcher).toHaveFocus());
  });

  it('shows the typing indicator, then the answer with its sources', async () => {
    const { user, launcher, calls } = setup();
    await user.click(launcher);
    await ask(user, 'How long do returns take?', calls);

    expect(screen.getByText('How long do returns take?')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('The assistant is typing…');
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    expect(calls[0]).toMatchObject({ message: 'How long do returns take?', conversationId: null });

    calls[0].resolve(
      answer('Returns are refunded within 14 days.', {}, [
        { document_id: 'd1', document_name: 'returns-policy.md', passage_id: 'p1', snippet: 'refunded within 14 days' },
      ]),
    );

    expect(await screen.findByText('Returns are refunded within 14 days.')).toBeInTheDocument();
    expect(screen.queryByText('The assistant is typing…')).toBeNull();
    const sources = screen.getByRole('list', { name: 'Sources' });
    expect(sources).toHaveTextContent('returns-policy.md');
    const quote = screen.getByText('refunded within 14 days');
    expect(quote).not.toBeVisible();
    await user.click(screen.getByText('returns-policy.md'));
    expect(quote).toBeVisible();
  });

  it('sends Enter as a message and continues the same conversation', async () => {
    const { user, launcher, calls } = setup();
    await user.click(launcher);
    await user.type(screen.getByLabelText('Your question'), 'Hello{Enter}');
    await waitFor(() => expect(calls).toHaveLength(1));
    calls[0].resolve(answer('Hi there.', { conversation_id: 'conv-42' }));
    await user.type(screen.getByLabelText('Your question'), 'Do you ship abroad?{Enter}');

    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toMatchObject({ message: 'Do you ship abroad?', conversationId: 'conv-42' });
  });

  it('tells the customer when the question was escalated to a person', async () => {
    const { user, launcher, calls } = setup();
    await user.click(launcher);
    await ask(user, 'I want to speak to a lawyer about my contract', calls);
    calls[0].resolve(answer('I have passed this to our team.', { escalated: true }));

    const notice = await screen.findByText(/passed your question to our support team/);
    expect(notice).toHaveAttribute('role', 'status');
  });

  it('explains a network failure and retries the same question', async () => {
    const { user, launcher, calls } = setup();
    await user.click(launcher);
    await ask(user, 'Is my parcel lost?', calls);
    calls[0].reject(networkDown());

    expect(await screen.findByRole('alert')).toHaveTextContent('We could not reach the support service');
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1].message).toBe('Is my parcel lost?');

    calls[1].resolve(answer('It is on its way.'));
    expect(await screen.findByText('It is on its way.')).toBeInTheDocument();
    expect(screen.getAllByText('Is my parcel lost?')).toHaveLength(1);
  });

  it('restores the conversation from its store and saves each change', async () => {
    const { api, calls } = controlledApi();
    const saved = { conversationId: 'conv-7', escalated: false, messages: [answer('Earlier answer.').message] };
    const store = { load: vi.fn(() => saved), save: vi.fn() };
    const user = userEvent.setup();
    render(<Widget api={api} store={store} />);

    await user.click(screen.getByRole('button', { name: 'Chat with us' }));
    expect(screen.getByText('Earlier answer.')).toBeInTheDocument();
    await ask(user, 'And now?', calls);
    expect(calls[0].conversationId).toBe('conv-7');
    await waitFor(() => expect(store.save).toHaveBeenLastCalledWith(expect.objectContaining({ pending: 'And now?' })));
  });

  it('does not send an empty message', async () => {
    const { user, launcher, api } = setup();
    await user.click(launcher);
    await user.type(screen.getByLabelText('Your question'), '   {Enter}');
    expect(api.chat).not.toHaveBeenCalled();
  });
});

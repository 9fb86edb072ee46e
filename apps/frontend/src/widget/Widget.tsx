/** @jsxImportSource preact */
import type { ApiError, Message, WidgetApi } from '@customercare/api-client';
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { initialConversation, reduce } from './conversation';
import type { ConversationStore } from './persistence';

export interface WidgetProps {
  api: WidgetApi;
  /** Shown in the panel's header. */
  title?: string;
  /** Clock for message timestamps; tests pass a fixed one. */
  now?: () => string;
  /** Where the conversation outlives the page (sessionStorage when embedded). */
  store?: ConversationStore;
}

const PANEL_ID = 'ccg-panel';

export function Widget({ api, title = 'Support', now = () => new Date().toISOString(), store }: WidgetProps) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const [state, dispatch] = useReducer(reduce, initialConversation, (initial) => ({ ...initial, ...store?.load() }));
  const launcherRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const wasOpenRef = useRef(false);

  // Focus follows the panel: into the composer on open, back to the launcher on close.
  useEffect(() => {
    if (open) inputRef.current?.focus();
    else if (wasOpenRef.current) launcherRef.current?.focus();
    wasOpenRef.current = open;
  }, [open]);

  useEffect(() => {
    store?.save(state);
  }, [store, state]);

  useEffect(() => {
    logRef.current?.scrollTo?.({ top: logRef.current.scrollHeight });
  }, [state.messages.length, state.pending]);

  // One request per pending question, whether it was just typed or is being retried.
  useEffect(() => {
    if (state.pending === null) return;
    let current = true;
    api.chat(state.pending, state.conversationId).then(
      (response) =>
        current &&
        dispatch({
          type: 'answered',
          conversationId: response.conversation_id,
          answer: response.message,
          escalated: response.escalated,
        }),
      (error: ApiError) => current && dispatch({ type: 'failed', error }),
    );
    return () => {
      current = false;
    };
    // The conversation id only changes when an answer arrives, which also clears `pending`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, state.pending]);

  const send = (event: Event) => {
    event.preventDefault();
    const question = draft.trim();
    if (!question || state.pending !== null) return;
    dispatch({ type: 'sent', question, at: now() });
    setDraft('');
  };

  return (
    <div onKeyDown={(event) => event.key === 'Escape' && open && setOpen(false)}>
      <section id={PANEL_ID} class="panel" role="dialog" aria-label={`${title} chat`} hidden={!open}>
        <header class="header">
          <h2>{title}</h2>
          <button type="button" class="close" aria-label="Close chat" onClick={() => setOpen(false)}>
            ×
          </button>
        </header>
        <div class="log" role="log" aria-live="polite" aria-label="Conversation" ref={logRef}>
          {state.messages.length === 0 && <p class="message assistant">Hi! Ask us anything.</p>}
          {state.messages.map((message) => (
            <MessageBubble key={message.id} message={message} />
          ))}
          {state.pending !== null && (
            <div class="typing" role="status">
              <span class="dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              <span class="sr-only">The assistant is typing…</span>
            </div>
          )}
        </div>
        {state.escalated && (
          <p class="notice" role="status">
            We have passed your question to our support team. A person will follow up with you.
          </p>
        )}
        {state.failure && (
          <div class="error" role="alert">
            {state.failure.message}
            <button type="button" onClick={() => dispatch({ type: 'retrying' })}>
              Retry
            </button>
          </div>
        )}
        <form class="composer" onSubmit={send}>
          <label class="sr-only" for="ccg-input">
            Your question
          </label>
          <textarea
            id="ccg-input"
            ref={inputRef}
            rows={1}
            maxLength={2000}
            value={draft}
            placeholder="Type your question…"
            onInput={(event) => setDraft((event.target as HTMLTextAreaElement).value)}
            onKeyDown={(event) => {
              // Shift+Enter is a new line; Enter while an input method composes a word is not "send".
              if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) send(event);
            }}
          />
          <button type="submit" disabled={state.pending !== null || !draft.trim()}>
            Send
          </button>
        </form>
      </section>
      <button
        type="button"
        class="launcher"
        ref={launcherRef}
        aria-expanded={open}
        aria-controls={PANEL_ID}
        onClick={() => setOpen(!open)}
      >
        Chat with us
      </button>
    </div>
  );
}

function MessageBubble({ message }: { message: Message }) {
  const who = message.role === 'customer' ? 'You' : 'Assistant';
  return (
    <div class={`message ${message.role}`}>
      <span class="sr-only">{who}: </span>
      {message.content}
      {message.citations.length > 0 && (
        <ol class="citations" aria-label="Sources">
          {message.citations.map((citation) => (
            <li key={citation.passage_id}>
              <details>
                <summary>{citation.document_name}</summary>
                <q>{citation.snippet}</q>
              </details>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

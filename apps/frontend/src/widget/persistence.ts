import type { ConversationState } from './conversation';

/**
 * Keeps the conversation in the tab's sessionStorage, so it survives the customer moving from page to
 * page on the same site. Only what was said is kept: an unanswered or failed question is not resent.
 */
export interface ConversationStore {
  load(): Pick<ConversationState, 'conversationId' | 'messages' | 'escalated'> | null;
  save(state: ConversationState): void;
}

export function sessionStore(
  widgetKey: string,
  storage: Storage | undefined = globalThis.sessionStorage,
): ConversationStore {
  const key = `customercare.widget.${widgetKey}`;
  return {
    load() {
      try {
        const saved = JSON.parse(storage?.getItem(key) ?? 'null');
        return saved && Array.isArray(saved.messages) ? saved : null;
      } catch {
        // Storage blocked (third-party iframes, privacy modes) or a corrupt entry: start afresh.
        return null;
      }
    },
    save({ conversationId, messages, escalated }) {
      try {
        storage?.setItem(key, JSON.stringify({ conversationId, messages, escalated }));
      } catch {
        // Storage full or blocked: the conversation still works, it just will not survive a reload.
      }
    },
  };
}

import type { ApiError, Message } from '@customercare/api-client';

/** Everything the widget shows, changed only by `reduce`, so each transition is tested without a DOM. */
export interface ConversationState {
  conversationId: string | null;
  messages: Message[];
  /** The question on its way to the API: drives the typing indicator and disables sending. */
  pending: string | null;
  /** The question that failed and what to tell the customer; Retry sends `question` again. */
  failure: { question: string; message: string } | null;
  escalated: boolean;
}

export type ConversationEvent =
  | { type: 'sent'; question: string; at: string }
  | { type: 'answered'; conversationId: string; answer: Message; escalated: boolean }
  | { type: 'failed'; error: ApiError }
  | { type: 'retrying' };

export const initialConversation: ConversationState = {
  conversationId: null,
  messages: [],
  pending: null,
  failure: null,
  escalated: false,
};

let localIds = 0;

export function reduce(state: ConversationState, event: ConversationEvent): ConversationState {
  switch (event.type) {
    case 'sent':
      return {
        ...state,
        pending: event.question,
        failure: null,
        messages: [
          ...state.messages,
          { id: `local-${++localIds}`, role: 'customer', content: event.question, citations: [], created_at: event.at },
        ],
      };
    case 'answered':
      return {
        ...state,
        conversationId: event.conversationId,
        pending: null,
        escalated: state.escalated || event.escalated,
        messages: [...state.messages, event.answer],
      };
    case 'failed':
      return state.pending === null
        ? state
        : { ...state, pending: null, failure: { question: state.pending, message: describeFailure(event.error) } };
    case 'retrying':
      return state.failure === null ? state : { ...state, pending: state.failure.question, failure: null };
  }
}

/** What the customer reads when a message could not be answered: what happened and what to do. */
export function describeFailure(error: ApiError): string {
  if (error.isNetworkError) return 'We could not reach the support service. Check your connection, then retry.';
  if (error.status === 429) {
    const wait = error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} seconds` : ' in a moment';
    return `You are sending messages too quickly. Please retry${wait}.`;
  }
  if (error.status >= 500) return 'The support service had a problem answering. Please retry.';
  return error.message;
}

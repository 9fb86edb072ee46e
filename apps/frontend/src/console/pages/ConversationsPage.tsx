import type { ConversationFilter } from '@customercare/api-client';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatDateTime } from '../format';
import { useResource } from '../useResource';

/** The URL's filter (?escalated=true&from=YYYY-MM-DD&to=YYYY-MM-DD) as the API's, whole UTC days. */
export function filterFromParams(params: URLSearchParams): ConversationFilter {
  const filter: ConversationFilter = {};
  if (params.get('escalated') === 'true') filter.escalated = true;
  const from = params.get('from');
  const to = params.get('to');
  if (from) filter.since = `${from}T00:00:00Z`;
  if (to) filter.until = `${to}T23:59:59.999Z`;
  return filter;
}

export function ConversationsPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);
  const escalatedOnly = filter.escalated === true;
  const conversations = useResource(() => api.listConversations(filter), [api, params.toString()]);

  const setParam = (name: string, value: string | null) =>
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });

  return (
    <section aria-labelledby="conversations-title">
      <h1 id="conversations-title">Conversations</h1>
      <div className="filters">
        <label className="filter">
          <input
            type="checkbox"
            checked={escalatedOnly}
            onChange={(event) => setParam('escalated', event.target.checked ? 'true' : null)}
          />
          Escalated only
        </label>
        <label>
          From{' '}
          <input
            type="date"
            value={params.get('from') ?? ''}
            onChange={(event) => setParam('from', event.target.value)}
          />
        </label>
        <label>
          To{' '}
          <input type="date" value={params.get('to') ?? ''} onChange={(event) => setParam('to', event.target.value)} />
        </label>
      </div>
      {conversations.error && <ErrorMessage error={conversations.error} onRetry={conversations.reload} />}
      {conversations.data?.length === 0 && (
        <p>{escalatedOnly ? 'No escalated conversations.' : 'No conversations yet.'}</p>
      )}
      {conversations.data && conversations.data.length > 0 && (
        <ul className="conversations" aria-label={escalatedOnly ? 'Escalated conversations' : 'All conversations'}>
          {conversations.data.map((conversation) => (
            <li key={conversation.id}>
              <Link to={`/conversations/${encodeURIComponent(conversation.id)}`}>
                {conversation.last_message || '(empty)'}
              </Link>
              <span className="meta">
                {formatDateTime(conversation.started_at)} · {conversation.message_count} messages
                {conversation.escalated && <span className="badge badge-escalated">Escalated</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import { Link, useSearchParams } from 'react-router';
import { useApi } from '../auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatDateTime } from '../format';
import { useResource } from '../useResource';

export function ConversationsPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const escalatedOnly = params.get('escalated') === 'true';
  const conversations = useResource(
    () => api.listConversations(escalatedOnly ? { escalated: true } : {}),
    [api, escalatedOnly],
  );

  return (
    <section aria-labelledby="conversations-title">
      <h1 id="conversations-title">Conversations</h1>
      <label className="filter">
        <input
          type="checkbox"
          checked={escalatedOnly}
          onChange={(event) => setParams(event.target.checked ? { escalated: 'true' } : {})}
        />
        Escalated only
      </label>
      {conversations.error && <ErrorMessage error={conversations.error} onRetry={conversations.reload} />}
      {conversations.data?.length === 0 && (
        <p>{escalatedOnly ? 'No escalated conversations.' : 'No conversations yet.'}</p>
      )}
      {conversations.data && conversations.data.length > 0 && (
        <ul className="conversations" aria-label={escalatedOnly ? 'Escalated conversations' : 'All conversations'}>
          {conversations.data.map((conversation) => (
            <li key={conversation.id}>
              <Link to={`/conversations/${encodeURIComponent(conversation.id)}`}>{conversation.last_message || '(empty)'}</Link>
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

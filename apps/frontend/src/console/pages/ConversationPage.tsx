import { Link, useParams } from 'react-router';
import { useApi } from '../auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatDateTime } from '../format';
import { useResource } from '../useResource';

export function ConversationPage() {
  const api = useApi();
  const { id = '' } = useParams();
  const conversation = useResource(() => api.getConversation(id), [api, id]);
  const data = conversation.data;

  return (
    <section aria-labelledby="transcript-title">
      <p>
        <Link to="/conversations">← All conversations</Link>
      </p>
      <h1 id="transcript-title">Transcript</h1>
      {conversation.error && <ErrorMessage error={conversation.error} onRetry={conversation.reload} />}
      {data && (
        <>
          <p className="meta">
            Started {formatDateTime(data.started_at)}
            {data.escalated && <span className="badge badge-escalated">Escalated</span>}
          </p>
          <ol className="transcript">
            {data.messages.map((message) => (
              <li key={message.id} className={`message ${message.role}`}>
                <strong>{message.role === 'customer' ? 'Customer' : 'Assistant'}</strong>
                <p>{message.content}</p>
                {message.citations.length > 0 && (
                  <ul aria-label="Sources" className="citations">
                    {message.citations.map((citation) => (
                      <li key={citation.passage_id}>
                        <cite>{citation.document_name}</cite>: “{citation.snippet}”
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

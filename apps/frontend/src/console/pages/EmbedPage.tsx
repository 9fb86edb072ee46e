import { ApiError, type WidgetKey } from '@customercare/api-client';
import { useState, type FormEvent } from 'react';
import { useApi } from '../auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { useResource } from '../useResource';

/** The one tag a customer site adds: widget.js comes from the API, which the widget then talks to. */
export function embedSnippet(apiOrigin: string, key: string): string {
  return `<script src="${apiOrigin}/api/v1/embed/widget.js" data-widget-key="${key}" async></script>`;
}

/** One origin per line, as typed; blank lines dropped. The API validates each one. */
export const parseOrigins = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

export function EmbedPage({ apiOrigin }: { apiOrigin: string }) {
  const api = useApi();
  const keys = useResource(() => api.listWidgetKeys(), [api]);
  const [error, setError] = useState<ApiError | null>(null);

  const create = async () => {
    setError(null);
    try {
      await api.createWidgetKey([]);
      keys.reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  return (
    <section aria-labelledby="embed-title">
      <h1 id="embed-title">Embed the widget</h1>
      <p>Add this tag to every page that should show the chat, just before &lt;/body&gt;.</p>
      {keys.error && <ErrorMessage error={keys.error} onRetry={keys.reload} />}
      {error && <ErrorMessage error={error} />}
      {keys.data?.length === 0 && (
        <p>
          This workspace has no widget key yet.{' '}
          <button type="button" onClick={create}>
            Create a widget key
          </button>
        </p>
      )}
      {keys.data?.map((key) => (
        <WidgetKeyCard key={key.key} widgetKey={key} apiOrigin={apiOrigin} onSaved={keys.reload} />
      ))}
    </section>
  );
}

type KeyAction = 'rotate' | 'revoke';

const CONFIRMATIONS: Record<KeyAction, { question: string; button: string }> = {
  rotate: {
    question:
      'Rotate this key? A new key replaces it with the same allowed origins; pages still using the old key stop answering until their snippet is updated.',
    button: 'Yes, rotate the key',
  },
  revoke: {
    question: 'Revoke this key? The widget stops answering on every page that uses it.',
    button: 'Yes, revoke the key',
  },
};

function WidgetKeyCard({
  widgetKey,
  apiOrigin,
  onSaved,
}: {
  widgetKey: WidgetKey;
  apiOrigin: string;
  onSaved: () => void;
}) {
  const api = useApi();
  const [origins, setOrigins] = useState(widgetKey.allowed_origins.join('\n'));
  const [status, setStatus] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [confirming, setConfirming] = useState<KeyAction | null>(null);
  const snippet = embedSnippet(apiOrigin, widgetKey.key);
  const fieldId = `origins-${widgetKey.key}`;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.updateWidgetKey(widgetKey.key, parseOrigins(origins));
      setStatus('Allowed origins saved.');
      onSaved();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const act = async (action: KeyAction) => {
    setError(null);
    setConfirming(null);
    try {
      if (action === 'rotate') await api.rotateWidgetKey(widgetKey.key);
      else await api.revokeWidgetKey(widgetKey.key);
      onSaved();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet);
      setStatus('Snippet copied.');
    } catch {
      setStatus('Copying is blocked here: select the snippet and copy it by hand.');
    }
  };

  return (
    <article className="card" aria-label={`Widget key ${widgetKey.key}`}>
      <h2>
        Key <code>{widgetKey.key}</code>
      </h2>
      <pre>
        <code data-testid="embed-snippet">{snippet}</code>
      </pre>
      <button type="button" onClick={copy}>
        Copy snippet
      </button>
      <form onSubmit={save}>
        <label htmlFor={fieldId}>Allowed origins (one per line; the widget only answers on these sites)</label>
        <textarea id={fieldId} rows={4} value={origins} onChange={(event) => setOrigins(event.target.value)} />
        <button type="submit">Save origins</button>
      </form>
      {confirming ? (
        <div role="group" aria-label="Confirm">
          <p>{CONFIRMATIONS[confirming].question}</p>
          <button type="button" onClick={() => act(confirming)}>
            {CONFIRMATIONS[confirming].button}
          </button>
          <button type="button" onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      ) : (
        <p>
          <button type="button" onClick={() => setConfirming('rotate')}>
            Rotate key
          </button>{' '}
          <button type="button" onClick={() => setConfirming('revoke')}>
            Revoke key
          </button>
        </p>
      )}
      {error && <ErrorMessage error={error} />}
      <p role="status">{status}</p>
    </article>
  );
}

import { ApiError, type Document } from '@customercare/api-client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi } from '../auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { StatusBadge } from '../components/StatusBadge';
import { formatBytes, formatDateTime } from '../format';
import { useResource } from '../useResource';

/** How often the list refreshes while a document is still being processed. */
export const PROCESSING_POLL_MS = 2000;

export function KnowledgePage() {
  const api = useApi();
  const documents = useResource(() => api.listDocuments(), [api]);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [uploading, setUploading] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // Uploads this page made: shown at once from the 201 answer, and kept until the list includes them,
  // since a list read right after the upload may not see it yet.
  const [uploaded, setUploaded] = useState<Document[]>([]);
  const listed = documents.data;
  const unlisted = listed ? uploaded.filter((u) => !listed.some((d) => d.id === u.id)) : [];
  const shown = listed && [...unlisted, ...listed];

  const refreshing = unlisted.length > 0 || (shown?.some((d) => d.status === 'processing') ?? false);
  const { reload } = documents;
  useEffect(() => {
    if (!refreshing) return;
    const timer = setTimeout(reload, PROCESSING_POLL_MS);
    return () => clearTimeout(timer);
  }, [refreshing, reload, listed]);

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setUploading(true);
    setActionError(null);
    try {
      const created = await api.uploadDocument(file);
      setUploaded((previous) => [created, ...previous]);
      setNotice(`Uploaded ${created.filename}.`);
      if (fileInput.current) fileInput.current.value = '';
      setFile(null);
      reload();
    } catch (error) {
      setActionError(error as ApiError);
    } finally {
      setUploading(false);
    }
  };

  const remove = async (document: Document) => {
    if (!window.confirm(`Delete ${document.filename}? The assistant will stop citing it.`)) return;
    setActionError(null);
    try {
      await api.deleteDocument(document.id);
      setUploaded((previous) => previous.filter((u) => u.id !== document.id));
      setNotice(`Deleted ${document.filename}.`);
      reload();
    } catch (error) {
      setActionError(error as ApiError);
    }
  };

  return (
    <section aria-labelledby="knowledge-title">
      <h1 id="knowledge-title">Knowledge base</h1>
      <form className="upload" onSubmit={upload}>
        <label>
          Upload a document
          <input
            ref={fileInput}
            name="file"
            type="file"
            accept=".txt,.md,.html,.htm,.pdf"
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
        </label>
        <button type="submit" disabled={uploading || !file}>
          {uploading ? 'Uploading…' : 'Upload'}
        </button>
        <p className="hint">Text, Markdown, HTML or PDF.</p>
      </form>
      <p role="status" className="notice">
        {notice}
      </p>
      {actionError && <ErrorMessage error={actionError} />}
      {documents.error && <ErrorMessage error={documents.error} onRetry={reload} />}
      {shown && shown.length === 0 && <p>No documents yet: upload one so the assistant can answer from it.</p>}
      {shown && shown.length > 0 && (
        <table>
          <caption className="sr-only">Documents</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Passages</th>
              <th scope="col">Size</th>
              <th scope="col">Uploaded</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((document) => (
              <tr key={document.id}>
                <th scope="row">{document.filename}</th>
                <td>
                  <StatusBadge status={document.status} />
                </td>
                <td>{document.chunk_count}</td>
                <td>{formatBytes(document.size_bytes)}</td>
                <td>{formatDateTime(document.created_at)}</td>
                <td>
                  <button type="button" className="link danger" onClick={() => remove(document)}>
                    Delete<span className="sr-only"> {document.filename}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

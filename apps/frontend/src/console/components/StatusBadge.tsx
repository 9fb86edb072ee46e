import type { DocumentStatus } from '@customercare/api-client';

const LABELS: Record<DocumentStatus, string> = {
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

/** A document's processing status, as text (never colour alone) so screen readers announce it. */
export function StatusBadge({ status }: { status: DocumentStatus }) {
  return <span className={`badge badge-${status}`}>{LABELS[status]}</span>;
}

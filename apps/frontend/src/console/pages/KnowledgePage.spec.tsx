import { ApiError } from '@customercare/api-client';
import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { document, fakeApi, renderConsole } from '../test-api';
import { PROCESSING_POLL_MS } from './KnowledgePage';

afterEach(() => vi.useRealTimers());

describe('KnowledgePage', () => {
  it('lists documents with their processing status', async () => {
    renderConsole('/knowledge', fakeApi());
    const row = (await screen.findByRole('rowheader', { name: 'returns-policy.md' })).closest('tr') as HTMLElement;
    expect(within(row).getByText('Ready')).toBeInTheDocument();
    expect(within(row).getByText('2.0 KB')).toBeInTheDocument();
    expect(within(row).getByText('Nov 26, 2026, 5:00 AM UTC')).toBeInTheDocument();
  });

  it('uploads a file and refreshes the list', async () => {
    const api = fakeApi();
    const { user } = renderConsole('/knowledge', api);
    await screen.findByRole('rowheader', { name: 'returns-policy.md' });

    const file = new File(['We ship worldwide.'], 'shipping.md', { type: 'text/markdown' });
    await user.upload(screen.getByLabelText('Upload a document'), file);
    await user.click(screen.getByRole('button', { name: 'Upload' }));

    expect(await screen.findByText('Uploaded shipping.md.')).toBeInTheDocument();
    expect(api.uploadDocument).toHaveBeenCalledWith(file);
    expect(api.listDocuments).toHaveBeenCalledTimes(2);
  });

  it('shows an upload at once and keeps it until the list catches up', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const created = document({ id: 'doc-2', filename: 'shipping.md', status: 'ready' });
    const listDocuments = vi
      .fn()
      .mockResolvedValueOnce([document()])
      .mockResolvedValueOnce([document()])
      .mockResolvedValue([created, document()]);
    const api = fakeApi({ listDocuments, uploadDocument: vi.fn(async () => created) });
    const { user } = renderConsole('/knowledge', api);
    await screen.findByRole('rowheader', { name: 'returns-policy.md' });

    await user.upload(screen.getByLabelText('Upload a document'), new File(['x'], 'shipping.md'));
    await user.click(screen.getByRole('button', { name: 'Upload' }));
    expect(await screen.findByRole('rowheader', { name: 'shipping.md' })).toBeInTheDocument();
    await waitFor(() => expect(listDocuments).toHaveBeenCalledTimes(2));
    expect(screen.getByRole('rowheader', { name: 'shipping.md' })).toBeInTheDocument();

    await act(() => vi.advanceTimersByTimeAsync(PROCESSING_POLL_MS));
    await waitFor(() => expect(listDocuments).toHaveBeenCalledTimes(3));
    await act(() => vi.advanceTimersByTimeAsync(PROCESSING_POLL_MS * 3));
    expect(listDocuments).toHaveBeenCalledTimes(3);
    expect(screen.getAllByRole('rowheader', { name: 'shipping.md' })).toHaveLength(1);
  });

  it("shows the API's reason when an upload is refused", async () => {
    const api = fakeApi({
      uploadDocument: vi
        .fn()
        .mockRejectedValue(new ApiError(415, 'unsupported_document_type', 'Images are not supported.')),
    });
    const { user } = renderConsole('/knowledge', api);
    await screen.findByRole('rowheader', { name: 'returns-policy.md' });
    await user.upload(screen.getByLabelText('Upload a document'), new File(['x'], 'photo.txt'));
    await user.click(screen.getByRole('button', { name: 'Upload' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Images are not supported.');
  });

  it('deletes a document after confirmation, and not without', async () => {
    const api = fakeApi();
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    const { user } = renderConsole('/knowledge', api);
    const button = await screen.findByRole('button', { name: 'Delete returns-policy.md' });

    await user.click(button);
    expect(api.deleteDocument).not.toHaveBeenCalled();
    await user.click(button);
    expect(await screen.findByText('Deleted returns-policy.md.')).toBeInTheDocument();
    expect(api.deleteDocument).toHaveBeenCalledWith('doc-1');
    expect(confirm).toHaveBeenCalledTimes(2);
  });

  it('reports a failed delete', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    const api = fakeApi({
      deleteDocument: vi.fn().mockRejectedValue(new ApiError(404, 'document_not_found', 'There is no such document.')),
    });
    const { user } = renderConsole('/knowledge', api);
    await user.click(await screen.findByRole('button', { name: 'Delete returns-policy.md' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no such document.');
  });

  it('polls while a document is processing and stops once it is ready', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const listDocuments = vi
      .fn()
      .mockResolvedValueOnce([document({ status: 'processing' })])
      .mockResolvedValue([document({ status: 'ready' })]);
    renderConsole('/knowledge', fakeApi({ listDocuments }));
    expect(await screen.findByText('Processing')).toBeInTheDocument();

    await act(() => vi.advanceTimersByTimeAsync(PROCESSING_POLL_MS));
    expect(await screen.findByText('Ready')).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(PROCESSING_POLL_MS * 3));
    expect(listDocuments).toHaveBeenCalledTimes(2);
  });

  it('invites a first upload when the knowledge base is empty, and offers a retry when loading fails', async () => {
    const listDocuments = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(0, 'network_error', 'Could not reach the server (Failed to fetch).'))
      .mockResolvedValue([]);
    const { user } = renderConsole('/knowledge', fakeApi({ listDocuments }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText(/No documents yet/)).toBeInTheDocument();
  });
});

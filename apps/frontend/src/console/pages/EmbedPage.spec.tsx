import { ApiError } from '@customercare/api-client';
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, renderConsole } from '../test-api';
import { embedSnippet, parseOrigins } from './EmbedPage';

const key = { key: 'ccg_demo', allowed_origins: ['https://shop.acme.test'], created_at: 'x' };

describe('EmbedPage', () => {
  it("shows the snippet with the workspace's key and the API origin", async () => {
    renderConsole('/embed', fakeApi({ listWidgetKeys: vi.fn(async () => [key]) }));
    expect(await screen.findByTestId('embed-snippet')).toHaveTextContent(
      '<script src="https://api.acme.test/api/v1/embed/widget.js" data-widget-key="ccg_demo" async></script>',
    );
  });

  it('saves the allowed origins, one per line', async () => {
    const api = fakeApi({ listWidgetKeys: vi.fn(async () => [key]) });
    const { user } = renderConsole('/embed', api);
    const field = await screen.findByLabelText(/Allowed origins/);
    await user.clear(field);
    await user.type(field, 'https://shop.acme.test{Enter}{Enter}  https://help.acme.test  ');
    await user.click(screen.getByRole('button', { name: 'Save origins' }));
    expect(await screen.findByText('Allowed origins saved.')).toBeInTheDocument();
    expect(api.updateWidgetKey).toHaveBeenCalledWith('ccg_demo', ['https://shop.acme.test', 'https://help.acme.test']);
  });

  it("shows the API's reason when an origin is refused", async () => {
    const api = fakeApi({
      listWidgetKeys: vi.fn(async () => [key]),
      updateWidgetKey: vi.fn().mockRejectedValue(new ApiError(422, 'invalid_origin', '"shop" is not an origin.')),
    });
    const { user } = renderConsole('/embed', api);
    await user.click(await screen.findByRole('button', { name: 'Save origins' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('"shop" is not an origin.');
  });

  it('copies the snippet, and says so when the clipboard is blocked', async () => {
    const { user } = renderConsole('/embed', fakeApi({ listWidgetKeys: vi.fn(async () => [key]) }));
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(await screen.findByRole('button', { name: 'Copy snippet' }));
    expect(await screen.findByText('Snippet copied.')).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith(expect.stringContaining('data-widget-key="ccg_demo"'));

    writeText.mockRejectedValueOnce(new Error('denied'));
    await user.click(screen.getByRole('button', { name: 'Copy snippet' }));
    expect(await screen.findByText(/Copying is blocked here/)).toBeInTheDocument();
  });

  it('creates a first key when the workspace has none', async () => {
    const listWidgetKeys = vi.fn().mockResolvedValueOnce([]).mockResolvedValue([key]);
    const api = fakeApi({ listWidgetKeys });
    const { user } = renderConsole('/embed', api);
    await user.click(await screen.findByRole('button', { name: 'Create a widget key' }));
    expect(await screen.findByTestId('embed-snippet')).toHaveTextContent('ccg_demo');
    expect(api.createWidgetKey).toHaveBeenCalledWith([]);
  });

  it('rotates a key after asking, and shows the new one', async () => {
    const rotated = { ...key, key: 'ccg_rotated' };
    const listWidgetKeys = vi.fn().mockResolvedValueOnce([key]).mockResolvedValue([rotated]);
    const api = fakeApi({ listWidgetKeys, rotateWidgetKey: vi.fn(async () => rotated) });
    const { user } = renderConsole('/embed', api);
    await user.click(await screen.findByRole('button', { name: 'Rotate key' }));
    expect(screen.getByText(/A new key replaces it with the same allowed origins/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Yes, rotate the key' }));
    await waitFor(() => expect(screen.getByTestId('embed-snippet')).toHaveTextContent('data-widget-key="ccg_rotated"'));
    expect(api.rotateWidgetKey).toHaveBeenCalledWith('ccg_demo');
  });

  it('revokes a key after asking, and a cancel changes nothing', async () => {
    const listWidgetKeys = vi.fn().mockResolvedValueOnce([key]).mockResolvedValue([]);
    const api = fakeApi({ listWidgetKeys });
    const { user } = renderConsole('/embed', api);
    await user.click(await screen.findByRole('button', { name: 'Revoke key' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(api.revokeWidgetKey).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Revoke key' }));
    expect(screen.getByText(/The widget stops answering on every page that uses it/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Yes, revoke the key' }));
    expect(await screen.findByRole('button', { name: 'Create a widget key' })).toBeInTheDocument();
    expect(api.revokeWidgetKey).toHaveBeenCalledWith('ccg_demo');
  });

  it('shows why a rotation failed', async () => {
    const api = fakeApi({
      listWidgetKeys: vi.fn(async () => [key]),
      rotateWidgetKey: vi
        .fn()
        .mockRejectedValue(new ApiError(404, 'widget_key_not_found', 'There is no such widget key in this workspace.')),
    });
    const { user } = renderConsole('/embed', api);
    await user.click(await screen.findByRole('button', { name: 'Rotate key' }));
    await user.click(screen.getByRole('button', { name: 'Yes, rotate the key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('There is no such widget key in this workspace.');
  });

  it('reports a failed key creation', async () => {
    const api = fakeApi({
      createWidgetKey: vi.fn().mockRejectedValue(new ApiError(403, 'forbidden', 'Only owners can create keys.')),
    });
    const { user } = renderConsole('/embed', api);
    await user.click(await screen.findByRole('button', { name: 'Create a widget key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Only owners can create keys.');
  });
});

describe('embed helpers', () => {
  it('builds the snippet and parses origins', () => {
    expect(embedSnippet('http://127.0.0.1:8000', 'k')).toBe(
      '<script src="http://127.0.0.1:8000/api/v1/embed/widget.js" data-widget-key="k" async></script>',
    );
    expect(parseOrigins(' a \n\n b\n')).toEqual(['a', 'b']);
  });
});

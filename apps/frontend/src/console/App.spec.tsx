import { ApiError } from '@customercare/api-client';
import { render, screen, waitFor, within } from '@testing-library/react';

import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { useAuth } from './auth';
import { tokenStore } from './session';
import { fakeApi, renderConsole } from './test-api';

afterEach(() => tokenStore.clear());

describe('the console', () => {
  it('sends a signed-out admin to the login page, then back where they were going', async () => {
    const api = fakeApi();
    const { user } = renderConsole('/conversations?escalated=true', api, { signedIn: false });

    expect(screen.getByRole('heading', { name: 'Sign in to CustomerCareGPT' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), 'admin@acme.test');
    await user.type(screen.getByLabelText('Password'), 'customercare-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Conversations' })).toBeInTheDocument();
    expect(api.login).toHaveBeenCalledWith('admin@acme.test', 'customercare-demo');
    expect(tokenStore.get()).toBe('jwt');
    // The page fetches in an effect after its heading renders: on a busy machine that is later.
    await waitFor(() => expect(api.listConversations).toHaveBeenCalledWith({ escalated: true }));
  });

  it("shows the API's reason when sign-in fails and lets the admin try again", async () => {
    const api = fakeApi({
      login: vi.fn().mockRejectedValue(new ApiError(401, 'invalid_credentials', 'The email or password is wrong.')),
    });
    const { user } = renderConsole('/login', api, { signedIn: false });

    await user.type(screen.getByLabelText('Email'), 'admin@acme.test');
    await user.type(screen.getByLabelText('Password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is wrong.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    expect(tokenStore.get()).toBeNull();
  });

  it('names the workspace and the admin, and signs out from the top bar', async () => {
    const { user } = renderConsole('/knowledge', fakeApi());
    expect(await screen.findByText('Acme Support · admin@acme.test')).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(screen.getByRole('heading', { name: 'Sign in to CustomerCareGPT' })).toBeInTheDocument();
    expect(tokenStore.get()).toBeNull();
  });

  it('navigates between pages and sends unknown paths to the knowledge base', async () => {
    const { user } = renderConsole('/nowhere', fakeApi());
    expect(await screen.findByRole('heading', { name: 'Knowledge base' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    await user.click(within(nav).getByRole('link', { name: 'Analytics' }));
    expect(await screen.findByRole('heading', { name: 'Analytics' })).toBeInTheDocument();
    await user.click(within(nav).getByRole('link', { name: 'Embed' }));
    expect(await screen.findByRole('heading', { name: 'Embed the widget' })).toBeInTheDocument();
  });

  it('renders in the browser router of the real page', async () => {
    tokenStore.set('jwt');
    window.history.pushState({}, '', '/analytics');
    render(<App config={{ apiBaseUrl: '', publicApiOrigin: 'https://api.acme.test' }} api={fakeApi()} />);
    expect(await screen.findByRole('heading', { name: 'Analytics' })).toBeInTheDocument();
  });

  it('signs out when the API rejects the token', async () => {
    tokenStore.set('expired');
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ error: { code: 'invalid_token', message: 'Your session expired.' } }), {
          status: 401,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    vi.stubGlobal('fetch', fetch);
    window.history.pushState({}, '', '/knowledge');
    render(<App config={{ apiBaseUrl: 'http://api.test', publicApiOrigin: 'http://api.test' }} />);
    expect(await screen.findByRole('heading', { name: 'Sign in to CustomerCareGPT' })).toBeInTheDocument();
    expect(tokenStore.get()).toBeNull();
    vi.unstubAllGlobals();
  });

  it('explains useAuth outside its provider', () => {
    const Orphan = () => {
      useAuth();
      return null;
    };
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => render(<Orphan />)).toThrow('useAuth() needs an <AuthProvider> above it.');
  });
});

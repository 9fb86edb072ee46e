import type { AdminApi } from '@customercare/api-client';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useApi, useAuth } from './auth';
import { AnalyticsPage } from './pages/AnalyticsPage';
import { ConversationPage } from './pages/ConversationPage';
import { ConversationsPage } from './pages/ConversationsPage';
import { EmbedPage } from './pages/EmbedPage';
import { KnowledgePage } from './pages/KnowledgePage';
import { LoginPage } from './pages/LoginPage';
import { useResource } from './useResource';

export interface ConsoleConfig {
  /** Where the console sends API calls; '' for its own origin (proxied to the API). */
  apiBaseUrl: string;
  /** The API origin customer sites load widget.js from (shown in the embed snippet). */
  publicApiOrigin: string;
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { signedIn } = useAuth();
  const location = useLocation();
  if (!signedIn) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return children;
}

function Layout({ children }: { children: ReactNode }) {
  const { logout } = useAuth();
  const api = useApi();
  const me = useResource(() => api.me(), [api]);
  return (
    <div className="layout">
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">CustomerCareGPT</span>
        <nav aria-label="Main">
          <NavLink to="/knowledge">Knowledge base</NavLink>
          <NavLink to="/conversations">Conversations</NavLink>
          <NavLink to="/embed">Embed</NavLink>
          <NavLink to="/analytics">Analytics</NavLink>
        </nav>
        {me.data && (
          <span className="who">
            {me.data.workspace.name} · {me.data.email}
          </span>
        )}
        <button type="button" className="link" onClick={logout}>
          Sign out
        </button>
      </header>
      <main id="content">{children}</main>
    </div>
  );
}

export function ConsoleRoutes({ publicApiOrigin }: Pick<ConsoleConfig, 'publicApiOrigin'>) {
  const page = (element: ReactNode) => (
    <RequireAuth>
      <Layout>{element}</Layout>
    </RequireAuth>
  );
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/knowledge" element={page(<KnowledgePage />)} />
      <Route path="/conversations" element={page(<ConversationsPage />)} />
      <Route path="/conversations/:id" element={page(<ConversationPage />)} />
      <Route path="/embed" element={page(<EmbedPage apiOrigin={publicApiOrigin} />)} />
      <Route path="/analytics" element={page(<AnalyticsPage />)} />
      <Route path="*" element={<Navigate to="/knowledge" replace />} />
    </Routes>
  );
}

export function App({ config, api }: { config: ConsoleConfig; api?: AdminApi }) {
  return (
    <AuthProvider baseUrl={config.apiBaseUrl} api={api}>
      <BrowserRouter>
        <ConsoleRoutes publicApiOrigin={config.publicApiOrigin} />
      </BrowserRouter>
    </AuthProvider>
  );
}

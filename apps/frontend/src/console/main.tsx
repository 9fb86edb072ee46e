import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { errorReportsConfig } from '../shared/error-reports';
import { App } from './App';
import './console.css';
import { startErrorReports } from './error-reports';

// VITE_API_URL: the API's origin when the console is served apart from it (the API then lists the
// console's origin in CORS_ORIGINS); unset, the console calls its own origin, which proxies /api.
const apiBaseUrl = import.meta.env.VITE_API_URL ?? '';

// Sentry, with VITE_SENTRY_DSN set at build time (docs/observability.md).
startErrorReports(errorReportsConfig('console', import.meta.env));

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App config={{ apiBaseUrl, publicApiOrigin: apiBaseUrl || window.location.origin }} />
  </StrictMode>,
);

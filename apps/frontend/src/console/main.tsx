import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './console.css';

// VITE_API_URL: the API's origin when the console is served apart from it (the API then lists the
// console's origin in CORS_ORIGINS); unset, the console calls its own origin, which proxies /api.
const apiBaseUrl = import.meta.env.VITE_API_URL ?? '';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App config={{ apiBaseUrl, publicApiOrigin: apiBaseUrl || window.location.origin }} />
  </StrictMode>,
);

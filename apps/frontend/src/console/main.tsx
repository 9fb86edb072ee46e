import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { StatusBadge } from './components/StatusBadge';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <h1>CustomerCareGPT</h1>
    <StatusBadge status="ready" />
  </StrictMode>,
);

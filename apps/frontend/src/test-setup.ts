import '@testing-library/jest-dom/vitest';
import { cleanup as cleanupPreact } from '@testing-library/preact';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Testing Library cleans up after each test only when Vitest's globals are on; they are off here.
afterEach(() => {
  cleanup();
  cleanupPreact();
});

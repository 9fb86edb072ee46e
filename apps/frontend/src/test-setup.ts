import '@testing-library/jest-dom/vitest';
import { cleanup as cleanupPreact, configure as configurePreact } from '@testing-library/preact';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// findBy*/waitFor give up after 1 s by default, which a loaded two-core CI machine can exceed.
configure({ asyncUtilTimeout: 5000 });
configurePreact({ asyncUtilTimeout: 5000 });

// Testing Library cleans up after each test only when Vitest's globals are on; they are off here.
afterEach(() => {
  cleanup();
  cleanupPreact();
});

import { defineConfig } from 'vitest/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the workspace root's shared Vitest config, not a project
import { sharedTestConfig } from '../../vitest.shared';

const shared = sharedTestConfig({ name: 'api-client', root: 'libs/api-client' });

export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/libs/api-client',
  test: {
    ...shared,
    environment: 'node',
    include: ['src/**/*.spec.ts', 'scripts/**/*.spec.ts'],
    coverage: {
      ...shared.coverage,
      include: ['src/**/*.ts', 'scripts/**/*.mjs'],
      // Generated types carry no runtime code; contract.mjs is the CLI that contract-check itself runs.
      exclude: ['src/generated/**', 'src/**/*.spec.ts', 'scripts/contract.mjs'],
    },
  },
});

/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the workspace root's shared Vitest config, not a project
import { sharedTestConfig } from '../../vitest.shared';

// The admin console. The widget has its own build (vite.widget.config.ts): one IIFE file the API serves.
// In dev and preview the console calls the API on its own origin and Vite forwards /api to the backend.
const api = process.env.CCG_API_URL ?? 'http://127.0.0.1:8000';
const proxy = { '/api': { target: api, changeOrigin: false } };
const shared = sharedTestConfig({ name: 'frontend', root: 'apps/frontend' });

export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/apps/frontend',
  plugins: [react()],
  server: { host: '127.0.0.1', port: 4200, proxy },
  preview: { host: '127.0.0.1', port: 4300, proxy },
  build: { outDir: 'dist/console', emptyOutDir: true, sourcemap: true },
  test: {
    ...shared,
    environment: 'jsdom',
    include: ['src/**/*.spec.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // CI shares two cores between every project's tests; user-event typing is slow there, not wrong.
    testTimeout: 20_000,
    // The widget inlines its stylesheet into its shadow root (`?inline`); Vitest drops CSS unless asked.
    css: { include: [/widget\.css/] },
    coverage: {
      ...shared.coverage,
      include: ['src/**/*.{ts,tsx}'],
      // Entry points only wire the tree into the page; everything they render is tested on its own.
      exclude: [
        'src/**/*.spec.{ts,tsx}',
        'src/test-setup.ts',
        'src/**/test-api.{ts,tsx}',
        'src/console/main.tsx',
        'src/widget/main.ts',
        'src/**/*.d.ts',
      ],
    },
  },
});

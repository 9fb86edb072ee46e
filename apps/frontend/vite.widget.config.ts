import { defineConfig } from 'vite';

// widget.js: one self-contained IIFE (Preact, the client, the inlined stylesheet) that the API serves at
// /api/v1/embed/widget.js from exactly this path (backend setting WIDGET_BUNDLE_PATH). Its gzipped
// size is gated by the `bundle-size` target.
export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/apps/frontend-widget',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist/widget',
    emptyOutDir: true,
    // es2022 keeps class fields native: lowering them puts esbuild helpers outside the IIFE, in the page's globals.
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: 'src/widget/main.ts',
      formats: ['iife'],
      name: 'CustomerCareGPTWidget',
      fileName: () => 'widget.js',
    },
  },
});

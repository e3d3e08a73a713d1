import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console's build (scripts/ensure-build.mjs runs it into dist/console; `npx vite --config
 * console/vite.config.ts` serves it for development against a server on :3000). Served by the server
 * under /console, so every asset URL starts there; hashed names under assets/ are cached for a year.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // JSX without a React plugin: Vite's own transformer (Oxc) compiles it; no Fast Refresh needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The entry's static imports and each route's chunk are listed here: the build checks the first
    // page's JavaScript against its budget (scripts/ensure-build.mjs).
    manifest: true,
    sourcemap: false,
    target: 'es2022',
    // No inline <script> or data: module preloads: the console's Content-Security-Policy allows 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Router's and TanStack Query's "use client" (for React Server Components) means nothing here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/console/api': 'http://127.0.0.1:3000', '/admin': 'http://127.0.0.1:3000' },
  },
});

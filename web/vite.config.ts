/**
 * Builds the portal into web/dist, which the hub serves at /ui/. Every asset is bundled
 * (no CDN), heavy pieces (YAML editor, schema form) are split into chunks loaded on first
 * use, and nothing is inlined as script, so the hub's strict Content-Security-Policy holds.
 *
 * `vite` (the dev server) proxies the API paths to a running hub: CANOPY_HUB_URL, or the one
 * `canopy up` wrote to .canopy/hub-url.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const hubUrlFile = join(import.meta.dirname, '..', '.canopy', 'hub-url');
const hub =
  process.env.CANOPY_HUB_URL ??
  (existsSync(hubUrlFile) ? readFileSync(hubUrlFile, 'utf8').trim() : 'https://127.0.0.1:6443');
const proxied = { target: hub, changeOrigin: true, secure: false, ws: false };

export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The hub's CSP forbids inline script; a data: URL or inlined asset would need exceptions.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
  },
  server: { proxy: { '/clusters': proxied, '/api': proxied } },
});

// The demo page: Vite dev server on loopback, proxying the signer's routes (/vod) so the page and the signer share
// one origin (no CORS). test/start.mjs passes VOD_SIGNER_ORIGIN (the `vod-signer` bin it started).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    proxy: process.env.VOD_SIGNER_ORIGIN ? { '/vod': { target: process.env.VOD_SIGNER_ORIGIN } } : undefined,
  },
  // Pre-bundle what the page loads late (query-core when processing starts, hash-wasm in the worker), so a first
  // run on a fresh clone does not discover them mid-upload and reload the page.
  optimizeDeps: { include: ['lit', 'lit/decorators/property.js', 'lit/decorators/state.js', '@tanstack/query-core', 'hash-wasm'] },
  build: { target: 'es2022' },
});

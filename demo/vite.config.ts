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
  build: { target: 'es2022' },
});

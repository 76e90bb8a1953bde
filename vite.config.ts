import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The host serves dist/client; `npm run dev:client` proxies /ws and /api to a
// host already running on port 3000.
export default defineConfig({
  root: 'client',
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    // TensorFlow.js is one lazily loaded chunk of about 1.1 MB (the latent
    // explorer imports it after the first paint), above Vite's 500 kB warning.
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        viewer: resolve(import.meta.dirname, 'client/index.html'),
        host: resolve(import.meta.dirname, 'client/host.html'),
        overlay: resolve(import.meta.dirname, 'client/overlay.html'),
        overlayBuilder: resolve(import.meta.dirname, 'client/overlay-builder.html'),
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/ws': { target: 'ws://127.0.0.1:3000', ws: true },
    },
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page is built into web/dist, which `flowlens serve` serves next to the API; `vite` in dev proxies /api.
const api = process.env.FLOWLENS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  // The server answers only its own Host and Origin: the dev proxy presents both as the server's.
  server: { proxy: { '/api': { target: api, changeOrigin: true, headers: { origin: new URL(api).origin } } } },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page is built into web/dist, which `flowlens serve` serves next to the API; `vite` in dev proxies /api.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': process.env.FLOWLENS_API ?? 'http://127.0.0.1:8080' } },
});

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI is served by `lazaret serve` itself; `npm run dev:web` proxies the API to a running one.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8025' } },
});

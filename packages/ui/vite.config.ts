import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The backend serves dist/ from the query port (packages/skein/src/query/ui-assets.ts); in
// development `vite` proxies the API to a running Skein so the same relative URLs work.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  server: {
    proxy: {
      '/api': process.env['SKEIN_QUERY_URL'] ?? 'http://localhost:16686',
    },
  },
});

// @ts-check
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// In development Vite serves the console and proxies everything else to a running server
// (`npm start` in another terminal); start that server with CONSOLE_ORIGINS=http://localhost:5173
// so its socket endpoint accepts the dev origin.
const server = process.env.FLEETDESK_URL ?? 'http://localhost:3000';

export default defineConfig({
  root,
  plugins: [react()],
  // The shared contract's rule functions are plain TypeScript: bundle them from source, so the
  // console never needs a separate build of libs/api-types first.
  resolve: {
    alias: {
      '@fleetdesk/api-types': fileURLToPath(
        new URL('../../libs/api-types/src/index.ts', import.meta.url),
      ),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Mantine, recharts, CodeMirror and xterm together are large; split them so a deploy
    // that changes one page does not invalidate every cached chunk.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': server,
      '/health': server,
      '/socket.io': { target: server, ws: true },
    },
  },
});

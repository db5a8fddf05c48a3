import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The gateway that `pnpm start` runs; `vite` (dev) forwards the API to it, so the page and the API
// share an origin as they do when the gateway serves the build.
const gateway = process.env.PIXELFLOW_GATEWAY ?? 'http://localhost:4000';

export default defineConfig({
  root: import.meta.dirname,
  // Absolute: the gateway serves index.html for /gallery and other client routes too.
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Two pages: the editor (with sign-in and the gallery) and the GraphQL playground, which is
    // large (GraphiQL and Monaco) and must not weigh on the editor's first load.
    rolldownOptions: {
      input: {
        main: new URL('index.html', import.meta.url).pathname,
        playground: new URL('playground/index.html', import.meta.url).pathname,
      },
      // GraphiQL's modules start with React Compiler's "use no memo", which bundling drops harmlessly.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
    // Monaco's editor alone is a few MB; only the playground loads it.
    chunkSizeWarningLimit: 5000,
  },
  // The dev server's dependency pre-bundling cannot follow the `?worker` imports of GraphiQL's
  // Monaco worker setup; Vite serves that module as it is instead.
  optimizeDeps: { exclude: ['graphiql/setup-workers/vite', '@graphiql/react/setup-workers/vite'] },
  server: {
    proxy: {
      '/graphql': { target: gateway, ws: true, changeOrigin: true },
      '/auth': { target: gateway, changeOrigin: true },
      '/jobs': { target: gateway, changeOrigin: true },
      '/images': { target: gateway, changeOrigin: true },
    },
  },
});

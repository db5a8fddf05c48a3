import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const ignored = ['**/node_modules/**', '**/.test-env/**', '**/data/**'];

// graphql ships a CommonJS build (its main) and an ES one (its module field). Node, as in
// production, gives every importer the CommonJS one; Vite would give our sources the ES one while
// dependencies loaded by Node (graphql-ws, @apollo/*) get the CommonJS one, and graphql refuses
// schemas, types and errors made by the other copy. So the server-side tiers resolve it as Node does.
const asNodeResolvesIt = {
  alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
};

// Three tiers by suffix: unit (no servers), int (real PostgreSQL and Redis from REDIS_URL and
// DATABASE_URL), e2e (whole system as real processes), and web (the SPA in jsdom). `pnpm test` starts
// the servers they need.
export default defineConfig({
  test: {
    projects: [
      {
        resolve: asNodeResolvesIt,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...ignored, '**/*.int.test.ts', 'web/**'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: asNodeResolvesIt,
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ignored,
          testTimeout: 30_000,
        },
      },
      {
        // The web app's components and logic in a simulated DOM, built as its Vite config builds them.
        extends: './web/vite.config.ts',
        test: {
          name: 'web',
          include: ['web/src/**/*.test.{ts,tsx}'],
          exclude: ignored,
          environment: 'jsdom',
          setupFiles: ['web/src/test/setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: asNodeResolvesIt,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          exclude: ignored,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own cluster of processes; two at once would starve 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});

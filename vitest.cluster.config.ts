import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// The cluster tier (`pnpm test:cluster`, scripts/cluster-tier.ts): tests of a Helm release on the
// local Kubernetes cluster, run inside the cluster's network namespace. A config of its own, so
// that `pnpm test`'s projects never pick these files up without a cluster.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }] },
  test: {
    name: 'cluster',
    include: ['e2e/cluster/**/*.cluster.ts'],
    // One release, changed by the tests in order (upgrade, restarts, pod deletions).
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});

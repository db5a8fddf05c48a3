import { join, resolve } from 'node:path';
import { type Cluster, type ClusterOptions, startCluster } from '@pixelflow/launcher/cluster';
import { PixelflowClient } from '@pixelflow/testing';
import { afterAll, beforeAll } from 'vitest';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the e2e tests through \`pnpm test\`, which starts the servers`);
  return value;
}

export interface ClusterHandle {
  cluster: Cluster;
  client: PixelflowClient;
  redisKeyPrefix: string;
}

/**
 * Starts a whole cluster of real processes for the test file (real Redis from REDIS_URL) and
 * stops it afterwards. Each process logs to .test-env/logs/<name>/.
 */
export function useCluster(name: string, options: Omit<ClusterOptions, 'redisUrl'> = {}): ClusterHandle {
  const handle = {} as ClusterHandle;
  beforeAll(async () => {
    handle.redisKeyPrefix = `e2e-${name}-${Date.now()}:`;
    handle.cluster = await startCluster({
      redisUrl: requiredEnv('REDIS_URL'),
      gatewayPort: 0,
      logDir: join(resolve(import.meta.dirname, '../../.test-env/logs'), name),
      redisKeyPrefix: handle.redisKeyPrefix,
      ...options,
    });
    handle.client = new PixelflowClient(handle.cluster.gatewayUrl);
  });
  afterAll(async () => {
    await handle.client?.close();
    await handle.cluster?.stop();
  });
  return handle;
}

import { join, resolve } from 'node:path';
import { type Cluster, type ClusterOptions, startCluster } from '@pixelflow/launcher/cluster';
import { PixelflowClient } from '@pixelflow/testing';
import pg from 'pg';
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
  /** The test file's own database. */
  databaseUrl: string;
}

/** A fresh database on the test PostgreSQL server, dropped again by the returned function. */
async function createDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = requiredEnv('DATABASE_URL');
  const database = `e2e_${name.replace(/\W/g, '_')}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * The per-client conversion quotas and the registrations per address are meant for people; the
 * tests convert dozens of images and register dozens of accounts from 127.0.0.1, so every test
 * cluster lifts them unless a file sets its own (conversion-limits.e2e.ts does). The queue's
 * bounds stay as deployed.
 */
const testRegistrations = { REGISTER_MAX_PER_ADDRESS: '100000' };
const testQuotas = {
  CONVERT_RATE_ANONYMOUS: '100000',
  CONVERT_RATE_USER: '100000',
  MAX_ACTIVE_JOBS_ANONYMOUS: '1000',
  MAX_ACTIVE_JOBS_USER: '1000',
};

/**
 * Starts a whole cluster of real processes for the test file (real Redis from REDIS_URL) and
 * stops it afterwards. Each process logs to .test-env/logs/<name>/.
 */
export function useCluster(
  name: string,
  options: Omit<ClusterOptions, 'redisUrl' | 'databaseUrl'> = {},
): ClusterHandle {
  const handle = {} as ClusterHandle;
  let dropDatabase: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    handle.redisKeyPrefix = `e2e-${name}-${Date.now()}:`;
    const database = await createDatabase(name);
    dropDatabase = database.drop;
    handle.databaseUrl = database.url;
    handle.cluster = await startCluster({
      redisUrl: requiredEnv('REDIS_URL'),
      databaseUrl: database.url,
      gatewayPort: 0,
      logDir: join(resolve(import.meta.dirname, '../../.test-env/logs'), name),
      redisKeyPrefix: handle.redisKeyPrefix,
      ...options,
      serviceEnv: {
        ...options.serviceEnv,
        conversion: { ...testQuotas, ...options.serviceEnv?.conversion },
        auth: { ...testRegistrations, ...options.serviceEnv?.auth },
      },
    });
    handle.client = new PixelflowClient(handle.cluster.gatewayUrl);
  });
  afterAll(async () => {
    await handle.client?.close();
    await handle.cluster?.stop();
    await dropDatabase?.();
  });
  return handle;
}

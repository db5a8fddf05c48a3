/**
 * Embedded mode (`pnpm start`): every service in this one process, in-process drivers in place
 * of Redis, nothing to install. Internal services listen on loopback ports of their own, so the
 * code paths are the same as in the cluster.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAuthService } from '@pixelflow/auth';
import { logLevel, parseEnv, port, z } from '@pixelflow/config';
import {
  type ConversionLimits,
  type ConverterEntry,
  conversionLimitsEnv,
  conversionLimitsFrom,
  converterListVariable,
  createConversionService,
} from '@pixelflow/conversion';
import { createDeepDreamService } from '@pixelflow/converter-deepdream';
import { converterIds, createSharpConverterService } from '@pixelflow/converter-sharp';
import { createUpscaleService } from '@pixelflow/converter-upscale';
import { createFsObjectStore, createMemoryDrivers, createPgliteSql } from '@pixelflow/drivers';
import { createGalleryService } from '@pixelflow/gallery';
import {
  createGateway,
  type GatewayOptions,
  limitsEnv,
  operationLimitsFrom,
  websocketLimitsFrom,
} from '@pixelflow/gateway';
import { createJobsService } from '@pixelflow/jobs';
import { createLogger } from '@pixelflow/logger';
import {
  type Closable,
  closeInOrder,
  closeTogether,
  type HttpLimits,
  httpLimitsEnv,
  httpLimitsFrom,
  runMain,
} from '@pixelflow/service-kit';
import { embeddedConversionSlots } from './runtime.ts';
import { ensureWebApp } from './web.ts';

const envSchema = z.object({
  /** The gateway's timeouts and connection caps (the internal services keep their defaults). */
  ...httpLimitsEnv({ maxConnectionsPerAddress: 64 }),
  // The gateway's GraphQL operation and WebSocket limits and the conversion service's rates and
  // queue limits, from the same variables as in the cluster.
  ...limitsEnv,
  ...conversionLimitsEnv,
  PORT: port(4000),
  /** The gateway's address; loopback by default since a laptop need not expose it. */
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel(),
  DATA_DIR: z.string().default('./data'),
  /** Base of the public URLs (resultUrl); defaults to http://localhost:PORT. */
  PUBLIC_URL: z.url().optional(),
  JOB_TTL_MS: z.coerce.number().int().positive().default(100_000),
  /** `false` leaves DeepDream and AI upscaling out. */
  AI_CONVERTERS: z.enum(['true', 'false']).default('true'),
  /**
   * At SIGTERM or Ctrl-C, how long running conversions get to finish; the rest are saved with the
   * queue and run again after the restart.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(5000),
  /** Your own converters beside the built-in ones, as `id=url` pairs, comma-separated. */
  EXTRA_CONVERTERS: converterListVariable().default([]),
});

export interface EmbeddedOptions {
  port?: number;
  host?: string;
  logLevel?: string;
  dataDir?: string;
  publicUrl?: string;
  jobTtlMs?: number;
  /** Serve DeepDream and AI upscaling (their models load on first use). @default true */
  aiConverters?: boolean;
  /** The built web app to serve at `/`; `pnpm start` builds it (see web.ts). */
  webDir?: string;
  /** The gateway's timeouts and connection caps. */
  http?: Partial<HttpLimits>;
  /** How long running conversions get at shutdown before they are saved for the restart. @default 5000 */
  drainMs?: number;
  /** Converters served elsewhere, beside the built-in ones. */
  extraConverters?: readonly ConverterEntry[];
  /** The conversion service's rates and queue limits. @default its defaults */
  conversionLimits?: Partial<ConversionLimits>;
  /** The gateway's GraphQL operation and WebSocket limits (see the gateway's options). */
  gatewayLimits?: Pick<GatewayOptions, 'operationLimits' | 'websocket'>;
}

export interface Embedded extends Closable {
  url: string;
  port: number;
}

/** The internal secret stays the same across restarts: signed URLs outlive a restart. */
function internalSecret(dataDir: string): string {
  const path = join(dataDir, 'internal-secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<Embedded> {
  const level = options.logLevel ?? 'info';
  const dataDir = resolve(options.dataDir ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const secret = internalSecret(dataDir);
  const logger = (service: string) => createLogger({ service, level });
  const loopback = '127.0.0.1';
  const started: Closable[] = [];
  // Queued and running jobs (handed back at shutdown), their inputs and results survive a restart.
  const drivers = createMemoryDrivers({ snapshotFile: join(dataDir, 'jobs.snapshot') });
  // PostgreSQL in WASM, its files under the data directory; auth and gallery each keep to their
  // own schema in it, as they do on a shared PostgreSQL server.
  const sql = await createPgliteSql(join(dataDir, 'pglite'));
  try {
    // Below libuv's pool of 8 (runtime.ts, embeddedConversionSlots): 4 threads stay for crypto and fs.
    const converters = createSharpConverterService({
      logger: logger('converters'),
      host: loopback,
      maxInFlight: embeddedConversionSlots,
    });
    started.push(converters);
    const convertersUrl = (await converters.listen()).url;

    // The AI converters' models load in worker threads on first use and go again after ten
    // idle minutes: on a laptop they would otherwise hold about a gigabyte for nothing.
    const models: Array<{ id: string; url: string }> = [];
    if (options.aiConverters ?? true) {
      for (const [id, create] of [
        ['deepdream', createDeepDreamService],
        ['upscale', createUpscaleService],
      ] as const) {
        const model = create({ logger: logger(`converter-${id}`), host: loopback, idleMs: 600_000 });
        started.push(model);
        models.push({ id, url: (await model.listen()).url });
      }
    }

    const gatewayPort = options.port ?? 4000;
    const publicUrl = options.publicUrl ?? `http://localhost:${gatewayPort}`;
    const auth = await createAuthService({
      sql,
      logger: logger('auth'),
      internalSecret: secret,
      host: loopback,
    });
    started.push(auth);
    const authUrl = (await auth.listen()).url;

    const gallery = await createGalleryService({
      sql,
      objects: createFsObjectStore(join(dataDir, 'objects')),
      logger: logger('gallery'),
      internalSecret: secret,
      publicUrl,
      host: loopback,
    });
    started.push(gallery);
    const galleryUrl = (await gallery.listen()).url;

    const jobs = await createJobsService({
      drivers,
      logger: logger('jobs'),
      internalSecret: secret,
      publicUrl,
      jobTtlMs: options.jobTtlMs,
      host: loopback,
    });
    started.push(jobs);
    const jobsUrl = (await jobs.listen()).url;

    const conversion = await createConversionService({
      drivers,
      logger: logger('conversion'),
      internalSecret: secret,
      jobsUrls: [jobsUrl],
      galleryUrls: [galleryUrl],
      converters: [
        ...converterIds.map((id) => ({ id, url: `${convertersUrl}/${id}` })),
        ...models,
        ...(options.extraConverters ?? []),
      ],
      jobTtlMs: options.jobTtlMs,
      drainMs: options.drainMs ?? 5000,
      limits: options.conversionLimits,
      host: loopback,
    });
    started.push(conversion);
    const conversionUrl = (await conversion.listen()).url;

    const gateway = await createGateway({
      logger: logger('gateway'),
      internalSecret: secret,
      subgraphs: { auth: [authUrl], jobs: [jobsUrl], gallery: [galleryUrl], conversion: [conversionUrl] },
      port: gatewayPort,
      host: options.host ?? loopback,
      webDir: options.webDir,
      http: options.http,
      ...options.gatewayLimits,
    });
    started.push(gateway);
    const { port: actualPort } = await gateway.listen();
    // Dependents first: the gateway stops taking requests while the runner drains its jobs (both
    // at once, so that their grace periods do not add up), then the services they call, while
    // nothing calls them any more, and the drivers last.
    const called = started.filter((service) => service !== gateway && service !== conversion);
    const all = closeInOrder([closeTogether([gateway, conversion]), ...called.reverse()]);
    return {
      url: `http://localhost:${actualPort}`,
      port: actualPort,
      close: async () => {
        await all.close();
        await drivers.close();
        await sql.close();
      },
    };
  } catch (error) {
    await closeInOrder([...started].reverse()).close();
    await drivers.close();
    await sql.close();
    throw error;
  }
}

/** The options `pnpm start` runs with, from its environment (every problem listed at once). */
export function embeddedOptionsFromEnv(source: Record<string, string | undefined> = process.env) {
  const env = parseEnv(envSchema, source);
  return {
    logLevel: env.LOG_LEVEL,
    options: {
      port: env.PORT,
      host: env.HOST,
      logLevel: env.LOG_LEVEL,
      dataDir: env.DATA_DIR,
      publicUrl: env.PUBLIC_URL,
      jobTtlMs: env.JOB_TTL_MS,
      aiConverters: env.AI_CONVERTERS === 'true',
      http: httpLimitsFrom(env),
      drainMs: env.SHUTDOWN_DRAIN_MS,
      extraConverters: env.EXTRA_CONVERTERS,
      gatewayLimits: { operationLimits: operationLimitsFrom(env), websocket: websocketLimitsFrom(env) },
      conversionLimits: conversionLimitsFrom(env),
    } satisfies EmbeddedOptions,
  };
}

if (import.meta.main) {
  await runMain(async () => {
    const { logLevel, options } = embeddedOptionsFromEnv();
    const embedded = await startEmbedded({ ...options, webDir: ensureWebApp() });
    const logger = createLogger({ service: 'pixelflow', level: logLevel });
    logger.info({ url: `${embedded.url}/graphql` }, 'Pixelflow is running');
    return { logger, service: embedded };
  });
}

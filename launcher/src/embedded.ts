/**
 * Embedded mode (`pnpm start`): every service in this one process, in-process drivers in place
 * of Redis, nothing to install. Internal services listen on loopback ports of their own, so the
 * code paths are the same as in the cluster.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAuthService } from '@pixelflow/auth';
import { type AuthSettings, authSettings } from '@pixelflow/auth/env';
import { logLevel, parseEnv, port, positiveInt, z } from '@pixelflow/config';
import { type ConverterEntry, createConversionService } from '@pixelflow/conversion';
import {
  type ConversionSettings,
  conversionSettings,
  converterListVariable,
} from '@pixelflow/conversion/env';
import { createDeepDreamService } from '@pixelflow/converter-deepdream';
import { type ModelConverterSettings, modelConverterSettings } from '@pixelflow/converter-kit/env';
import { converterIds, createSharpConverterService } from '@pixelflow/converter-sharp';
import { type SharpSettings, sharpSettings } from '@pixelflow/converter-sharp/env';
import { createUpscaleService } from '@pixelflow/converter-upscale';
import {
  createFsBlobStore,
  createFsObjectStore,
  createMemoryDrivers,
  createPgliteSql,
} from '@pixelflow/drivers';
import { createGalleryService } from '@pixelflow/gallery';
import { type GallerySettings, gallerySettings } from '@pixelflow/gallery/env';
import { createGateway } from '@pixelflow/gateway';
import { type GatewaySettings, gatewaySettings } from '@pixelflow/gateway/env';
import { createJobsService } from '@pixelflow/jobs';
import { type JobsSettings, jobsSettings } from '@pixelflow/jobs/env';
import { createLogger } from '@pixelflow/logger';
import {
  type Closable,
  closeInOrder,
  closeTogether,
  metricsFrom,
  runMain,
  startMetrics,
  tracingFrom,
} from '@pixelflow/service-kit';
import { collectProcessMetrics, startTracing } from '@pixelflow/telemetry';
import { ensureNativeTensorflow } from '@pixelflow/tfjs-backend/setup';
import { embeddedConversionSlots } from './runtime.ts';
import { ensureWebApp } from './web.ts';

/**
 * Every service's settings, by the same variables and with the same defaults as in the cluster
 * (each service's env.ts); a variable two services share (JOB_TTL_MS, MAX_UPLOAD_BYTES,
 * MAX_PIXELS) sets both. The HTTP timeouts and connection caps are the gateway's (the internal
 * services keep their defaults). Then the launcher's own variables, and the few defaults that
 * differ on a laptop.
 */
const envSchema = z.object({
  ...authSettings.env,
  ...gallerySettings.env,
  ...jobsSettings.env,
  ...conversionSettings.env,
  ...sharpSettings.env,
  ...modelConverterSettings.env,
  ...gatewaySettings.env,
  PORT: port(4000),
  /** The gateway's address; loopback by default since a laptop need not expose it. */
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel(),
  /** Levels of single services over LOG_LEVEL, e.g. `conversion=debug,gateway=warn`. */
  LOG_LEVELS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const levels: Record<string, string> = {};
      for (const pair of value.split(',').filter((item) => item.trim())) {
        const [service = '', level = ''] = pair.split('=').map((part) => part.trim());
        const parsed = logLevel().safeParse(level);
        if (!/^[a-z][a-z0-9-]{0,40}$/.test(service) || !parsed.success || !level) {
          ctx.addIssue({
            code: 'custom',
            message: `"${pair}" is not service=level (levels: ${logLevel().unwrap().options.join(', ')})`,
          });
          return z.NEVER;
        }
        levels[service] = parsed.data;
      }
      return levels;
    }),
  DATA_DIR: z.string().default('./data'),
  /** Base of the public URLs (resultUrl); defaults to http://localhost:PORT. */
  PUBLIC_URL: z.url().optional(),
  /** `false` leaves DeepDream and AI upscaling out. */
  AI_CONVERTERS: z.enum(['true', 'false']).default('true'),
  /**
   * At SIGTERM or Ctrl-C, how long running conversions get to finish; the rest are saved with the
   * queue and run again after the restart.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(5000),
  /** Below libuv's pool of 8 (runtime.ts, embeddedConversionSlots): 4 threads stay for crypto and fs. */
  MAX_IN_FLIGHT: positiveInt(embeddedConversionSlots),
  /** Your own converters beside the built-in ones, as `id=url` pairs, comma-separated. */
  EXTRA_CONVERTERS: converterListVariable().default([]),
});

/** What `pnpm start` runs with: `embeddedOptionsFromEnv` makes it from the environment. */
export interface EmbeddedOptions {
  port: number;
  host: string;
  logLevel: string;
  /** Levels of single services (by logger name: gateway, auth, jobs, conversion, converters…) over logLevel. */
  logLevels?: Record<string, string>;
  dataDir: string;
  /** Base of the public URLs; none: http://localhost:<port>. */
  publicUrl?: string;
  /** Serve DeepDream and AI upscaling (their models load on first use). */
  aiConverters: boolean;
  /** The built web app to serve at `/`; `pnpm start` builds it (see web.ts). */
  webDir?: string;
  /** Converters served elsewhere, beside the built-in ones. */
  extraConverters: readonly ConverterEntry[];
  /** Each service's settings, as its env.ts reads them. */
  auth: AuthSettings;
  gallery: GallerySettings;
  jobs: JobsSettings;
  conversion: ConversionSettings;
  converters: SharpSettings;
  /** DeepDream's and AI upscaling's, each. */
  models: ModelConverterSettings;
  gateway: GatewaySettings;
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

export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  // One process for every service: its own metrics are the whole installation's.
  collectProcessMetrics('pixelflow');
  const level = options.logLevel;
  const levels = options.logLevels ?? {};
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const secret = internalSecret(dataDir);
  const logger = (service: string) => createLogger({ service, level: levels[service] ?? level });
  const loopback = '127.0.0.1';
  const started: Closable[] = [];
  // Jobs, the queue and the quotas survive a restart: written at shutdown (running jobs handed
  // back first) and every second while they change, so that a crash loses at most that second;
  // running jobs then come back as the queue's pending entries and are reclaimed, as in the
  // cluster. The bytes are files: finished results stay for the retention (an hour by default),
  // up to 64 MiB each, and the inputs of queued jobs up to 5 MiB each, too much to hold in this
  // process's memory and rewrite every second.
  const drivers = createMemoryDrivers({
    snapshotFile: join(dataDir, 'jobs.snapshot'),
    snapshotIntervalMs: 1000,
  });
  const results = createFsBlobStore(join(dataDir, 'results'));
  const inputs = createFsBlobStore(join(dataDir, 'inputs'));
  // PostgreSQL in WASM, its files under the data directory; auth and gallery each keep to their
  // own schema in it, as they do on a shared PostgreSQL server.
  const sql = await createPgliteSql(join(dataDir, 'pglite'));
  try {
    const converters = createSharpConverterService({
      logger: logger('converters'),
      host: loopback,
      ...options.converters,
    });
    started.push(converters);
    const convertersUrl = (await converters.listen()).url;

    // The AI converters' models load in worker threads on first use and go again after ten
    // idle minutes: on a laptop they would otherwise hold about a gigabyte for nothing.
    const models: Array<{ id: string; url: string }> = [];
    if (options.aiConverters) {
      for (const [id, create] of [
        ['deepdream', createDeepDreamService],
        ['upscale', createUpscaleService],
      ] as const) {
        const model = create({
          logger: logger(`converter-${id}`),
          host: loopback,
          ...options.models,
          idleMs: 600_000,
        });
        started.push(model);
        models.push({ id, url: (await model.listen()).url });
      }
    }

    const gatewayPort = options.port;
    const publicUrl = options.publicUrl ?? `http://localhost:${gatewayPort}`;
    const auth = await createAuthService({
      sql,
      logger: logger('auth'),
      internalSecret: secret,
      host: loopback,
      ...options.auth,
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
      ...options.gallery,
    });
    started.push(gallery);
    const galleryUrl = (await gallery.listen()).url;

    const jobs = await createJobsService({
      drivers: { ...drivers, blobs: results },
      logger: logger('jobs'),
      internalSecret: secret,
      publicUrl,
      host: loopback,
      ...options.jobs,
    });
    started.push(jobs);
    const jobsUrl = (await jobs.listen()).url;

    const conversion = await createConversionService({
      drivers: { ...drivers, blobs: inputs },
      logger: logger('conversion'),
      internalSecret: secret,
      jobsUrls: [jobsUrl],
      galleryUrls: [galleryUrl],
      converters: [
        ...converterIds.map((id) => ({ id, url: `${convertersUrl}/${id}` })),
        ...models,
        ...options.extraConverters,
      ],
      host: loopback,
      ...options.conversion,
    });
    started.push(conversion);
    const conversionUrl = (await conversion.listen()).url;

    const gateway = await createGateway({
      logger: logger('gateway'),
      internalSecret: secret,
      subgraphs: { auth: [authUrl], jobs: [jobsUrl], gallery: [galleryUrl], conversion: [conversionUrl] },
      port: gatewayPort,
      host: options.host,
      webDir: options.webDir,
      ...options.gateway,
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
        results.close();
        inputs.close();
        await sql.close();
      },
    };
  } catch (error) {
    await closeInOrder([...started].reverse()).close();
    await drivers.close();
    results.close();
    inputs.close();
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
      logLevels: env.LOG_LEVELS,
      dataDir: env.DATA_DIR,
      publicUrl: env.PUBLIC_URL,
      aiConverters: env.AI_CONVERTERS === 'true',
      extraConverters: env.EXTRA_CONVERTERS,
      auth: authSettings.from(env),
      gallery: gallerySettings.from(env),
      jobs: jobsSettings.from(env),
      conversion: conversionSettings.from(env),
      converters: sharpSettings.from(env),
      models: modelConverterSettings.from(env),
      gateway: gatewaySettings.from(env),
    } satisfies EmbeddedOptions,
  };
}

if (import.meta.main) {
  await runMain(async () => {
    const { logLevel, options } = embeddedOptionsFromEnv();
    // Native TensorFlow for DeepDream and upscaling: built once (about 15 s, with the wheel's
    // download), then a file check; where it cannot be built they run on WebAssembly.
    if (options.aiConverters) ensureNativeTensorflow('cpu');
    // Every service's series in one registry, labelled by service; /metrics on each service's
    // port (the gateway's shows them all) unless METRICS_PORT gives it a port of its own.
    const metrics = await startMetrics('pixelflow', metricsFrom());
    // Each service's spans under its own name; the Apollo gateway's (through the global API) are
    // the gateway's. Started before the services, which see whether tracing is on when built.
    const spans = await startTracing('gateway', tracingFrom());
    const embedded = await startEmbedded({ ...options, webDir: ensureWebApp() });
    const logger = createLogger({ service: 'pixelflow', level: logLevel });
    logger.info({ url: `${embedded.url}/graphql` }, 'Pixelflow is running');
    const closers = [embedded, metrics, spans].filter((closer) => closer !== undefined);
    return { logger, service: closeInOrder(closers) };
  });
}

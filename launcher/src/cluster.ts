/**
 * Multi-process mode (`pnpm cluster`): one process per service instance against real Redis (and
 * PostgreSQL), several instances of a service side by side, as in the cluster. The e2e tests
 * start it through `startCluster` so they can kill single instances.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { logLevel, parseEnv, port, positiveInt, postgresUrl, redisUrl, z } from '@pixelflow/config';
import { converterListVariable } from '@pixelflow/conversion';
import { converterIds } from '@pixelflow/converter-sharp';
import { ensureNativeTensorflow } from '@pixelflow/tfjs-backend/setup';
import { request } from 'undici';
import {
  environmentOf,
  type ServiceDescription,
  type ServiceName,
  serviceNamed,
  services,
  startOrder,
  urlVariable,
} from './services.ts';
import { ensureWebApp } from './web.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export type { ServiceName };

export interface ClusterOptions {
  redisUrl: string;
  /** PostgreSQL for the auth and gallery services (each keeps to its own schema). */
  databaseUrl: string;
  /** @default 4000; 0 picks a free port */
  gatewayPort?: number;
  /** @default 2 */
  jobsInstances?: number;
  /** @default 2 */
  conversionInstances?: number;
  /** Instances of auth and of gallery each. @default 1 */
  accountInstances?: number;
  /** Converters served elsewhere (id → base URL), besides the sharp ones. */
  extraConverters?: Record<string, string>;
  /** Also run the AI converters (DeepDream, upscale), each in its own process. @default false */
  aiConverters?: boolean;
  /** The gateway serves the web app (built first when its sources changed). @default true */
  webApp?: boolean;
  /** Environment for every process. */
  env?: Record<string, string>;
  /** Environment per service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Each process writes `<name>-<instance>.log` here; without it, logs go to this terminal. */
  logDir?: string;
  /** Keeps this cluster's keys apart from others' on a shared Redis. @default random */
  redisKeyPrefix?: string;
  /** @default 'info' */
  logLevel?: string;
}

export interface ServiceProcess {
  name: ServiceName;
  instance: number;
  /** INSTANCE_ID in its environment: the conversion runner's consumer name. */
  instanceId: string;
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  exited: Promise<number | string>;
  /** Stops it if it still runs, starts it again on the same port, and waits until it is ready. */
  restart(): Promise<ServiceProcess>;
}

export interface Cluster {
  gatewayUrl: string;
  /** The secret every process of this cluster shares (tests and benchmarks call internal APIs). */
  internalSecret: string;
  processes: ServiceProcess[];
  instances(name: ServiceName): ServiceProcess[];
  /** Graceful stop of everything (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A free port held until `release()`: the gateway's port is known before the services that build
 * public URLs with it start, and nobody else may take it meanwhile (another cluster starting on the
 * same machine did, while the AI converters loaded, and answered for the gateway).
 */
async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a service's `/readyz` says its name is: its entry's service name (converter-<id> for one converter). */
const answersAs = (name: ServiceName, service: unknown): boolean =>
  service === name ||
  service === `converter-${name}` ||
  (name === 'converters' && typeof service === 'string' && service.startsWith('converter-'));

/** Another process answered on the port a service was given: start it again on another. */
class PortTaken extends Error {}

/**
 * Waits until `<url>/readyz` answers 200 from this service, failing early when the process exits;
 * an answer from another process (the port was taken before the service bound it) is PortTaken.
 */
async function waitReady(service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  let exit: number | string | undefined;
  void service.exited.then((code) => {
    exit = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined)
      throw new Error(`${service.name}-${service.instance} exited (${exit}) while starting`);
    let answer: { service?: unknown } | undefined;
    try {
      const response = await request(`${service.url}/readyz`, { headersTimeout: 1000, bodyTimeout: 1000 });
      answer =
        response.statusCode === 200 ? ((await response.body.json()) as { service?: unknown }) : undefined;
      if (!answer) await response.body.dump();
    } catch {
      // not listening yet
    }
    if (answer) {
      if (answersAs(service.name, answer.service)) return;
      throw new PortTaken(`${service.url} answers as ${String(answer.service)}, not ${service.name}`);
    }
    await sleep(100);
  }
  throw new Error(`${service.name}-${service.instance} was not ready within ${timeoutMs} ms`);
}

async function stopProcess(service: ServiceProcess, graceMs = 15_000): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  await service.exited;
  clearTimeout(timer);
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const secret = randomBytes(32).toString('base64url');
  const prefix = options.redisKeyPrefix ?? `pf-${randomBytes(4).toString('hex')}:`;
  const reserved =
    options.gatewayPort === 0 || options.gatewayPort === undefined ? await reservePort() : undefined;
  const gatewayPort = reserved?.port ?? options.gatewayPort!;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const webDir = options.webApp === false ? undefined : ensureWebApp();
  const processes: ServiceProcess[] = [];
  const common = {
    // As in the container image: fewer glibc malloc arenas, far less fragmentation under libvips.
    MALLOC_ARENA_MAX: '2',
    LOG_LEVEL: options.logLevel ?? 'info',
    INTERNAL_SECRET: secret,
    REDIS_URL: options.redisUrl,
    DATABASE_URL: options.databaseUrl,
    REDIS_KEY_PREFIX: prefix,
    HOST: '127.0.0.1',
    ...options.env,
  };
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });

  /** Starts (or restarts, on the same port) one instance of a service. */
  const spawnInstance = (
    name: ServiceName,
    instance: number,
    servicePort: number,
    env: Record<string, string>,
  ) => {
    const instanceId = `${name}-${instance}-${randomBytes(3).toString('hex')}`;
    const child = spawn(process.execPath, [join(root, entry(name))], {
      cwd: root,
      env: {
        ...process.env,
        ...common,
        ...options.serviceEnv?.[name],
        ...env,
        PORT: String(servicePort),
        INSTANCE_ID: instanceId,
      },
      stdio: options.logDir ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (options.logDir) {
      const log = createWriteStream(join(options.logDir, `${name}-${instance}.log`), { flags: 'a' });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
    }
    const service: ServiceProcess = {
      name,
      instance,
      instanceId,
      url: `http://127.0.0.1:${servicePort}`,
      child,
      exited: new Promise((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
      ),
      restart: async () => {
        await stopProcess(service);
        const again = spawnInstance(name, instance, servicePort, env);
        processes.splice(processes.indexOf(service), 1, again);
        await waitReady(again);
        return again;
      },
    };
    return service;
  };
  /** Starts one instance and waits until it is ready; on a port another process took, on another. */
  const launch = async (name: ServiceName, instance: number, env: Record<string, string>) => {
    const timeoutMs = serviceNamed(name).ai ? 300_000 : 30_000;
    for (let attempt = 1; ; attempt++) {
      if (name === 'gateway') await reserved?.release();
      const servicePort = name === 'gateway' ? gatewayPort : await freePort();
      const service = spawnInstance(name, instance, servicePort, env);
      processes.push(service);
      try {
        await waitReady(service, timeoutMs);
        return service;
      } catch (error) {
        // The gateway's port is the cluster's address: it cannot move.
        if (!(error instanceof PortTaken) || name === 'gateway' || attempt >= 3) throw error;
        processes.splice(processes.indexOf(service), 1);
        await stopProcess(service);
      }
    }
  };

  const cluster: Cluster = {
    gatewayUrl,
    internalSecret: secret,
    processes,
    instances: (name) => processes.filter((p) => p.name === name),
    async stop() {
      // Dependents first, as in the embedded mode.
      for (const group of startOrder().reverse()) {
        await Promise.all(group.flatMap((s) => cluster.instances(s.name).map((p) => stopProcess(p))));
      }
    },
  };

  const chosen = services.filter((s) => !s.ai || options.aiConverters);
  // The model converters run on native TensorFlow where it can be built (once; see @pixelflow/tfjs-backend/setup).
  if (options.aiConverters) ensureNativeTensorflow('cpu');
  const counts: Partial<Record<ServiceName, number>> = {
    jobs: options.jobsInstances ?? 2,
    conversion: options.conversionInstances ?? 2,
    auth: options.accountInstances ?? 1,
    gallery: options.accountInstances ?? 1,
  };
  /** What a service is told of the services it calls and of the cluster around it. */
  const wiring = async (service: ServiceDescription): Promise<Record<string, string>> => {
    const env: Record<string, string> = {};
    const converters: string[] = [];
    for (const name of service.dependsOn) {
      const called = cluster.instances(name);
      if (serviceRole(name) !== 'converter') env[urlVariable(name)] = called.map((p) => p.url).join(',');
      else if (name === 'converters')
        converters.push(...converterIds.map((id) => `${id}=${called[0]!.url}/${id}`));
      else converters.push(...called.map((p) => `${name}=${p.url}`));
    }
    if (service.dependsOn.some((name) => serviceRole(name) === 'converter')) {
      for (const [id, url] of Object.entries(options.extraConverters ?? {})) converters.push(`${id}=${url}`);
      env.CONVERTERS = converters.join(',');
    }
    // Public URLs point at the gateway, wherever a service builds them.
    if ((await environmentOf(service)).has('PUBLIC_URL')) env.PUBLIC_URL = gatewayUrl;
    if (service.role === 'gateway' && webDir) env.WEB_DIR = webDir;
    return env;
  };

  try {
    for (const group of startOrder(chosen)) {
      // Models load and warm up before their converter says it is ready: that takes a while.
      await Promise.all(
        group.flatMap((service) =>
          Array.from({ length: counts[service.name] ?? 1 }, async (_, i) =>
            launch(service.name, i + 1, await wiring(service)),
          ),
        ),
      );
    }
    return cluster;
  } catch (error) {
    await reserved?.release();
    await cluster.stop();
    throw error;
  }
}

const entry = (name: ServiceName) => serviceNamed(name).entry;
const serviceRole = (name: ServiceName) => serviceNamed(name).role;

if (import.meta.main) {
  const env = parseEnv(
    z.object({
      REDIS_URL: redisUrl(),
      DATABASE_URL: postgresUrl(),
      PORT: port(4000),
      JOBS_INSTANCES: positiveInt(2),
      CONVERSION_INSTANCES: positiveInt(2),
      /** `false` leaves out DeepDream and upscaling, which take a while and memory to load. */
      AI_CONVERTERS: z.enum(['true', 'false']).default('true'),
      LOG_LEVEL: logLevel(),
      /** Your own converters beside the built-in ones, as `id=url` pairs, comma-separated. */
      EXTRA_CONVERTERS: converterListVariable().default([]),
    }),
  );
  const cluster = await startCluster({
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    gatewayPort: env.PORT,
    jobsInstances: env.JOBS_INSTANCES,
    conversionInstances: env.CONVERSION_INSTANCES,
    aiConverters: env.AI_CONVERTERS === 'true',
    logLevel: env.LOG_LEVEL,
    extraConverters: Object.fromEntries(env.EXTRA_CONVERTERS.map(({ id, url }) => [id, url])),
  });
  process.stdout.write(
    `Pixelflow cluster: ${cluster.processes.length} processes, GraphQL at ${cluster.gatewayUrl}/graphql\n`,
  );
  const stop = () => void cluster.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

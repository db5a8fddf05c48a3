/**
 * Every service of Pixelflow, described once, as data. The multi-process launcher starts them from
 * this (order, ports, the URLs each is given), the composition script and the resolver-type
 * generation read the subgraphs from it, and the checks of the Helm chart, the Dockerfile and the
 * README hold each of them to it (services.test.ts, scripts/check-helm.ts). Adding a service is
 * one entry here; ARCHITECTURE.md lists what else a new one needs.
 */
import { z } from '@pixelflow/config';

export type ServiceName =
  | 'converters'
  | 'deepdream'
  | 'upscale'
  | 'auth'
  | 'gallery'
  | 'jobs'
  | 'conversion'
  | 'gateway';

export interface SubgraphSources {
  /** The subgraph's SDL, relative to the repository root. */
  schema: string;
  /** The resolvers' context type, `<file beside generated/>#<type>` as codegen writes it. */
  contextType: string;
  /** GraphQL types resolved from the service's own models (codegen's mappers). */
  mappers?: Record<string, string>;
}

export interface ServiceDescription {
  name: ServiceName;
  /** The public edge, a subgraph of the supergraph, or a converter process (image in, image out). */
  role: 'gateway' | 'subgraph' | 'converter';
  /** Its one entry point, relative to the repository root; a container runs `node <entry>`. */
  entry: string;
  /** Where it listens unless PORT says otherwise: its env.ts default, and the port in the cluster. */
  port: number;
  /**
   * The services it calls. A converter process is passed in the caller's CONVERTERS list; any
   * other as `<NAME>_URL` (several instances comma-separated).
   */
  dependsOn: readonly ServiceName[];
  /** Its environment's schema (what must be set, what has a default), loaded when a check asks. */
  env?: () => Promise<z.ZodType>;
  /** A subgraph's schema and generated resolver types. */
  graphql?: SubgraphSources;
  /** Runs only with the AI converters (they take a while and memory to load). */
  ai?: boolean;
}

export const services: readonly ServiceDescription[] = [
  {
    name: 'converters',
    role: 'converter',
    entry: 'converters/sharp/src/main.ts',
    port: 5000,
    dependsOn: [],
    env: async () => (await import('@pixelflow/converter-sharp/env')).envSchema,
  },
  {
    name: 'deepdream',
    role: 'converter',
    entry: 'converters/deepdream/src/main.ts',
    port: 5000,
    dependsOn: [],
    ai: true,
  },
  {
    name: 'upscale',
    role: 'converter',
    entry: 'converters/upscale/src/main.ts',
    port: 5000,
    dependsOn: [],
    ai: true,
  },
  {
    name: 'auth',
    role: 'subgraph',
    entry: 'subgraphs/auth/src/main.ts',
    port: 4003,
    dependsOn: [],
    env: async () => (await import('@pixelflow/auth/env')).envSchema,
    graphql: {
      schema: 'subgraphs/auth/src/schema.graphql',
      contextType: '../context.ts#AuthContext',
      mappers: { User: '../users.ts#UserModel' },
    },
  },
  {
    name: 'gallery',
    role: 'subgraph',
    entry: 'subgraphs/gallery/src/main.ts',
    port: 4004,
    dependsOn: [],
    env: async () => (await import('@pixelflow/gallery/env')).envSchema,
    graphql: {
      schema: 'subgraphs/gallery/src/schema.graphql',
      contextType: '../context.ts#GalleryContext',
      mappers: { Image: '../images.ts#ImageModel' },
    },
  },
  {
    name: 'jobs',
    role: 'subgraph',
    entry: 'subgraphs/jobs/src/main.ts',
    port: 4001,
    dependsOn: [],
    env: async () => (await import('@pixelflow/jobs/env')).envSchema,
    graphql: {
      schema: 'subgraphs/jobs/src/schema.graphql',
      contextType: '../context.ts#JobsContext',
      mappers: { Job: '../job.ts#JobModel' },
    },
  },
  {
    name: 'conversion',
    role: 'subgraph',
    entry: 'subgraphs/conversion/src/main.ts',
    port: 4002,
    dependsOn: ['converters', 'deepdream', 'upscale', 'jobs', 'gallery'],
    env: async () => (await import('@pixelflow/conversion/env')).envSchema,
    graphql: {
      schema: 'subgraphs/conversion/src/schema.graphql',
      contextType: '../context.ts#ConversionContext',
    },
  },
  {
    name: 'gateway',
    role: 'gateway',
    entry: 'gateway/src/main.ts',
    port: 4000,
    dependsOn: ['auth', 'gallery', 'jobs', 'conversion'],
    env: async () => (await import('@pixelflow/gateway/env')).envSchema,
  },
];

export const serviceNamed = (name: ServiceName): ServiceDescription => {
  const service = services.find((s) => s.name === name);
  if (!service) throw new Error(`no service ${name}`);
  return service;
};

export const subgraphs = services.filter((s): s is ServiceDescription & { graphql: SubgraphSources } =>
  Boolean(s.graphql),
);

/** The environment variable a caller gets a service's URLs in. */
export const urlVariable = (name: ServiceName) => `${name.toUpperCase()}_URL`;

/**
 * The services in the order they start, as groups that may start together: each group's
 * dependencies are all in earlier groups. Shutdown goes the other way.
 */
export function startOrder(chosen: readonly ServiceDescription[] = services): ServiceDescription[][] {
  const names = new Set(chosen.map((s) => s.name));
  const started = new Set<ServiceName>();
  const groups: ServiceDescription[][] = [];
  while (started.size < chosen.length) {
    const ready = chosen.filter(
      (s) => !started.has(s.name) && s.dependsOn.every((d) => started.has(d) || !names.has(d)),
    );
    if (ready.length === 0) throw new Error('the services depend on each other in a circle');
    for (const s of ready) started.add(s.name);
    groups.push(ready);
  }
  return groups;
}

/** A service's environment variables, each with whether it must be set (it has no default). */
export async function environmentOf(
  service: ServiceDescription,
): Promise<Map<string, { required: boolean }>> {
  const schema = await service.env?.();
  const shape: Record<string, z.ZodType> = schema instanceof z.ZodObject ? schema.shape : {};
  return new Map(
    Object.entries(shape).map(([name, field]) => [name, { required: !field.safeParse(undefined).success }]),
  );
}

/**
 * compose.yaml, generated from the services' descriptions (launcher/src/services.ts) and their
 * environment schemas, as `pnpm cluster` wires them: one container per service from the images the
 * Dockerfile builds, with PostgreSQL and Redis. `pnpm compose` writes it; `pnpm compose:check` fails
 * when the committed file drifts from what this makes.
 */
import { Document, isMap, isPair, isScalar, isSeq, type Scalar, visit, type YAMLMap } from 'yaml';
import { converterIds } from '../converters/sharp/src/converters/index.ts';
import {
  environmentOf,
  type ServiceDescription,
  type ServiceName,
  serviceNamed,
  services,
  urlVariable,
} from '../launcher/src/services.ts';

export const composeFilePath = new URL('../compose.yaml', import.meta.url);

/** A variable of .env or the shell, with its default: `${NAME:-default}` as Compose reads it. */
const variable = (name: string, fallback: string) => `\${${name}:-${fallback}}`;
/** The images' tag: the chart's appVersion (scripts/images.ts tags them so). */
const TAG = variable('PIXELFLOW_TAG', '0.1.0');
const images = {
  runtime: `${variable('PIXELFLOW_IMAGE', 'pixelflow')}:${TAG}`,
  ai: `${variable('PIXELFLOW_AI_IMAGE', 'pixelflow-ai')}:${TAG}`,
  web: `${variable('PIXELFLOW_WEB_IMAGE', 'pixelflow-web')}:${TAG}`,
  postgres: variable('POSTGRES_IMAGE', 'postgres:17-bookworm'),
  redis: variable('REDIS_IMAGE', 'redis:7.4-bookworm'),
};
const required = (name: string, hint: string) => `\${${name}:?${hint}}`;
const INTERNAL_SECRET = required('INTERNAL_SECRET', 'set INTERNAL_SECRET in .env (openssl rand -hex 32)');
const POSTGRES_PASSWORD = required(
  'POSTGRES_PASSWORD',
  'set POSTGRES_PASSWORD in .env (openssl rand -hex 16)',
);
const DATABASE_URL = `postgres://pixelflow:${POSTGRES_PASSWORD}@postgres:5432/pixelflow`;
const PUBLIC_URL = variable('PUBLIC_URL', 'http://localhost:4000');

/** What every Pixelflow container shares: the chart's security context, as Compose writes it. */
const hardened = {
  read_only: true,
  // Uploads are buffered in /tmp.
  tmpfs: ['/tmp'],
  user: '1000:1000',
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
  restart: 'unless-stopped',
};

/** A probe of the service's own /readyz with the Node the image has (it has no curl). */
const nodeProbe = (port: number, path = '/readyz', startSeconds = 30) => ({
  test: [
    'CMD',
    'node',
    '-e',
    `fetch('http://127.0.0.1:${port}${path}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
  ],
  interval: '10s',
  timeout: '5s',
  retries: 3,
  start_period: `${startSeconds}s`,
});

/** Seconds a service gets to stop (the chart's terminationGracePeriodSeconds less its preStop sleep). */
const stopGrace: Partial<Record<ServiceName, string>> = {
  conversion: '55s',
  deepdream: '130s',
  upscale: '130s',
};

/** The converters' ids and URLs as the conversion service's CONVERTERS wants them. */
function converterList(service: ServiceDescription): string {
  return service.dependsOn
    .filter((name) => serviceNamed(name).role === 'converter')
    .flatMap((name) => {
      const { port } = serviceNamed(name);
      return name === 'converters'
        ? converterIds.map((id) => `${id}=http://converters:${port}/${id}`)
        : [`${name}=http://${name}:${port}`];
    })
    .join(',');
}

async function serviceEntry(service: ServiceDescription): Promise<Record<string, unknown>> {
  const schema = await environmentOf(service);
  const environment: Record<string, string> = { LOG_LEVEL: variable('LOG_LEVEL', 'info') };
  const dependsOn: Record<string, { condition: string }> = {};
  if (schema.has('INTERNAL_SECRET')) environment.INTERNAL_SECRET = INTERNAL_SECRET;
  if (schema.has('DATABASE_URL')) {
    environment.DATABASE_URL = DATABASE_URL;
    dependsOn.postgres = { condition: 'service_healthy' };
  }
  if (schema.has('REDIS_URL')) {
    environment.REDIS_URL = 'redis://redis:6379';
    dependsOn.redis = { condition: 'service_healthy' };
  }
  if (schema.has('PUBLIC_URL')) environment.PUBLIC_URL = PUBLIC_URL;
  for (const name of service.dependsOn) {
    const called = serviceNamed(name);
    if (called.role === 'converter') {
      // The sharp converters start with the stack; the AI ones only with the `ai` profile (the
      // conversion service reports a converter it cannot reach as unavailable).
      if (!called.ai) dependsOn[name] = { condition: 'service_healthy' };
      continue;
    }
    environment[urlVariable(name)] = `http://${name}:${called.port}`;
    dependsOn[name] = { condition: 'service_healthy' };
  }
  if (service.dependsOn.some((name) => serviceNamed(name).role === 'converter'))
    environment.CONVERTERS = converterList(service);
  // The chart's default: conversions one sharp converter pod runs at once.
  if (service.name === 'converters') environment.MAX_IN_FLIGHT = '4';
  if (service.role === 'gateway') environment.TRUST_PROXY = variable('TRUST_PROXY', 'false');
  // /metrics on a port of its own, published nowhere: the gateway's port is the public one. A
  // Prometheus container on the stack's network scrapes <service>:9464.
  environment.METRICS_PORT = '9464';
  // Traces go to a collector only where the .env names one (empty: off).
  environment.OTEL_EXPORTER_OTLP_ENDPOINT = variable('OTEL_EXPORTER_OTLP_ENDPOINT', '');
  environment.OTEL_TRACES_SAMPLER = variable('OTEL_TRACES_SAMPLER', 'parentbased_traceidratio');
  environment.OTEL_TRACES_SAMPLER_ARG = variable('OTEL_TRACES_SAMPLER_ARG', '0.1');
  return {
    image: service.ai ? images.ai : images.runtime,
    command: ['node', service.entry],
    ...(service.ai ? { profiles: ['ai'] } : {}),
    environment,
    ...(Object.keys(dependsOn).length > 0 ? { depends_on: dependsOn } : {}),
    ...(service.role === 'gateway'
      ? { ports: [`${variable('PIXELFLOW_PORT', '4000')}:${service.port}`] }
      : {}),
    healthcheck: nodeProbe(service.port, '/readyz', service.ai ? 300 : 30),
    stop_grace_period: stopGrace[service.name] ?? '35s',
    ...hardened,
  };
}

/** What a person reads first in compose.yaml. */
const header = `Pixelflow on one host, without a cluster: every service in a container of the images the
Dockerfile builds, with PostgreSQL and Redis. Generated by \`pnpm compose\` from
launcher/src/services.ts (scripts/compose-file.ts): edit those, not this file.

  1. The images: \`pnpm images\` builds pixelflow, pixelflow-ai and pixelflow-web here (or the
     README's \`docker build\` commands, tagged :0.1.0).
  2. A .env file beside this one (Compose reads it; git and the image build leave it out):
       INTERNAL_SECRET=<openssl rand -hex 32>
       POSTGRES_PASSWORD=<openssl rand -hex 16>   (letters and digits: it goes into a URL)
     Optional: PIXELFLOW_PORT (4000), PIXELFLOW_WEB_PORT (8080), PUBLIC_URL (http://localhost:4000:
     the URL users reach the gateway at), LOG_LEVEL (info), TRUST_PROXY (false),
     OTEL_EXPORTER_OTLP_ENDPOINT (an OTLP/HTTP collector's URL for traces; none: no tracing) with
     OTEL_TRACES_SAMPLER_ARG (0.1 of the requests traced), PIXELFLOW_TAG
     (0.1.0), and the images:
     PIXELFLOW_IMAGE, PIXELFLOW_AI_IMAGE, PIXELFLOW_WEB_IMAGE, POSTGRES_IMAGE (postgres:17-bookworm),
     REDIS_IMAGE (redis:7.4-bookworm); where Docker Hub is out of reach, \`pnpm images\` builds
     local/postgres:15-bookworm and local/redis:7-bookworm from Debian's packages to set there.
  3. docker compose up -d                  the gateway at http://localhost:4000/graphql
     docker compose --profile ai up -d     with DeepDream and upscaling (about 1 GiB of memory each)
     docker compose --profile web up -d    with the web app at http://localhost:8080, which also
                                           sends /graphql, /auth, /jobs and /images to the gateway
                                           (one origin, as the chart's Ingress); set TRUST_PROXY to
                                           the project network's CIDR then, so that the gateway
                                           takes clients' addresses from it

Every container runs as a user (not root), on a read-only root filesystem with a tmpfs /tmp and no
capability, restarts unless stopped, and says it is ready on its /readyz (the healthchecks the
start order waits on). Only the gateway (and the web app) publish a port. Accounts and saved images
live in PostgreSQL's volume postgres-data; Redis keeps nothing (job state lives minutes).`;

/** compose.yaml's text. */
export async function composeFile(): Promise<string> {
  const entries: Record<string, unknown> = {
    postgres: {
      image: images.postgres,
      environment: { POSTGRES_USER: 'pixelflow', POSTGRES_DB: 'pixelflow', POSTGRES_PASSWORD },
      volumes: ['postgres-data:/var/lib/postgresql/data'],
      healthcheck: {
        test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', 'pixelflow', '-d', 'pixelflow'],
        interval: '5s',
        timeout: '5s',
        retries: 10,
        start_period: '30s',
      },
      stop_grace_period: '30s',
      ...hardened,
      // The public image's postgres user; the socket goes to /var/run/postgresql.
      user: '999:999',
      tmpfs: ['/tmp', '/var/run/postgresql'],
    },
    redis: {
      image: images.redis,
      // As the chart's bundled Redis: nothing saved, and under its memory a full Redis refuses
      // writes rather than dropping queued jobs.
      command: [
        'redis-server',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory',
        '384mb',
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'no',
      ],
      healthcheck: { test: ['CMD', 'redis-cli', 'ping'], interval: '5s', timeout: '5s', retries: 10 },
      ...hardened,
      user: '999:999',
      tmpfs: ['/tmp', '/data'],
    },
  };
  for (const service of services) entries[service.name] = await serviceEntry(service);
  entries.web = {
    image: images.web,
    profiles: ['web'],
    // The API's paths go to the gateway, so that the app and the API share one origin.
    volumes: ['./docker/nginx-api.conf:/etc/nginx/api/gateway.conf:ro'],
    depends_on: { gateway: { condition: 'service_healthy' } },
    ports: [`${variable('PIXELFLOW_WEB_PORT', '8080')}:8080`],
    ...hardened,
    // nginx-unprivileged's user; its image has no HTTP client for a healthcheck.
    user: '101:101',
  };
  // YAML 1.1's quoting (`"no"`, not no), as every Compose implementation reads the file the same way.
  const doc = new Document(
    { name: 'pixelflow', services: entries, volumes: { 'postgres-data': {} } },
    { version: '1.1', aliasDuplicateObjects: false },
  );
  // Commands and short lists on one line each, where the line fits (biome's width, 110).
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !isSeq(pair.value)) return;
      const key = String(pair.key.value);
      if (!['test', 'command', 'tmpfs', 'cap_drop', 'security_opt', 'profiles'].includes(key)) return;
      const line = `${key}: [${pair.value.items.map((item) => JSON.stringify(String(item))).join(', ')}]`;
      if (line.length <= 110 - 6) pair.value.flow = true;
    },
  });
  doc.commentBefore = header
    .split('\n')
    .map((line) => (line ? ` ${line}` : ''))
    .join('\n');
  const notes: Record<string, string> = Object.fromEntries(
    services.map((s) => [s.name, ` ${s.role}: node ${s.entry}, port ${s.port}`]),
  );
  notes.postgres = ' Accounts (schema auth) and the gallery (schema gallery), images included.';
  notes.redis = ' Job state, the conversion queue and pub/sub.';
  notes.web = ' The web app (profile web): static files under nginx, port 8080, and the API through it.';
  const servicesNode = doc.get('services', true);
  if (isMap(servicesNode)) {
    for (const pair of (servicesNode as YAMLMap).items) {
      if (isScalar(pair.key)) {
        const key = pair.key as Scalar;
        const note = notes[String(key.value)];
        if (note) key.commentBefore = note;
      }
    }
  }
  // As biome formats YAML (`pnpm lint`): `[a, b]`, and a list too long for one line in block style.
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

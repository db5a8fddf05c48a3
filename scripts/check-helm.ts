/**
 * Checks the Helm chart in helm/pixelflow without a cluster (`pnpm check:helm`):
 *   1. installs the pinned helm and kubeconform into .test-env/bin with `go install` when missing;
 *   2. makes kubeconform's JSON schemas from the OpenAPI document of each Kubernetes release checked
 *      (k8s.io/kubernetes, a Go module, so it comes through the Go module proxy: kubeconform's own
 *      schemas live on GitHub, which is out of reach here);
 *   3. helm lint --strict and helm template for each values case, each render validated by
 *      `kubeconform -strict` against every release and by the structural checks below;
 *   4. renders that must fail (no INTERNAL_SECRET, no Redis, no PostgreSQL, …) fail with their message.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { environmentOf, services } from '../launcher/src/services.ts';
import { chartReadme } from './chart-readme.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const chart = join(root, 'helm/pixelflow');
const testEnv = join(root, '.test-env');
const bin = join(testEnv, 'bin');

const tools = [
  { name: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm', version: 'v3.22.0' },
  { name: 'kubeconform', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' },
] as const;
/** The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion) and the newest release. */
const kubernetesVersions = ['1.30.14', '1.37.2'];
const oldest = kubernetesVersions[0]!;
/** Bump when toJsonSchema changes, so that schemas made by an older one are made again. */
const schemaFormat = 1;

const problems: string[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

// --- 1. tools -------------------------------------------------------------------------------------

/** The module version a Go binary was built from, or null when it is missing. */
function builtVersion(path: string): string | null {
  if (!existsSync(path)) return null;
  const info = run('go', ['version', '-m', path]).stdout;
  return /^\s*mod\s+\S+\s+(\S+)/m.exec(info)?.[1] ?? null;
}

function ensureTools(): void {
  if (spawnSync('go', ['version']).error) {
    throw new Error('Go is needed to install helm and kubeconform (go install): put `go` on PATH');
  }
  mkdirSync(bin, { recursive: true });
  for (const tool of tools) {
    const path = join(bin, tool.name);
    if (builtVersion(path) === tool.version) continue;
    log(`installing ${tool.name} ${tool.version} into .test-env/bin (go install; minutes the first time)…`);
    const started = Date.now();
    const install = run('go', ['install', `${tool.pkg}@${tool.version}`], {
      env: { ...process.env, GOBIN: bin },
    });
    if (install.code !== 0)
      throw new Error(`go install ${tool.pkg}@${tool.version} failed:\n${install.stderr}`);
    log(`  ${tool.name} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

// --- 2. schemas -----------------------------------------------------------------------------------

type Schema = { [key: string]: unknown };
const isObject = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One definition of the OpenAPI document as JSON Schema (draft 4, kubeconform's default), made strict
 * like kubeconform's own "-strict" schemas: no property the API does not know. Quantities and
 * int-or-string take numbers too, as the API server does.
 */
function toJsonSchema(node: unknown, refs: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, refs));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    refs.add(node.$ref.replace('#/definitions/', ''));
    return { $ref: node.$ref };
  }
  if (node.format === 'int-or-string') return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key.startsWith('x-kubernetes-')) continue;
    out[key] =
      key === 'properties' && isObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, prop]) => [name, toJsonSchema(prop, refs)]))
        : toJsonSchema(value, refs);
  }
  if (
    isObject(out.properties) &&
    !('additionalProperties' in out) &&
    !node['x-kubernetes-preserve-unknown-fields']
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** kubeconform's file name for a kind: <kind>[-<group's first label>]-<version>.json */
const schemaFile = (kind: string, group: string, version: string) =>
  `${kind.toLowerCase()}${group ? `-${group.split('.')[0]}` : ''}-${version}.json`;

/** .test-env/k8s-schemas/v<version>-standalone-strict/, made once per Kubernetes release. */
function ensureSchemas(version: string): string {
  const schemaRoot = join(testEnv, 'k8s-schemas');
  const dir = join(schemaRoot, `v${version}-standalone-strict`);
  const marker = join(dir, '.complete');
  const stamp = `format ${schemaFormat}, k8s.io/kubernetes@v${version}`;
  if (existsSync(marker) && readFileSync(marker, 'utf8').startsWith(stamp)) return schemaRoot;
  log(`making JSON schemas for Kubernetes ${version} (go mod download k8s.io/kubernetes@v${version})…`);
  const download = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], {
      cwd: testEnv,
      encoding: 'utf8',
    }),
  ) as { Dir?: string; Error?: string };
  if (!download.Dir) throw new Error(`k8s.io/kubernetes@v${version}: ${download.Error ?? 'no directory'}`);
  const openapi = JSON.parse(readFileSync(join(download.Dir, 'api/openapi-spec/swagger.json'), 'utf8')) as {
    definitions: Record<string, Schema>;
  };
  const definitions = openapi.definitions;
  // Quantities: "100m", "1Gi", or a plain number.
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = {
    oneOf: [{ type: 'string' }, { type: 'number' }],
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let count = 0;
  for (const definition of Object.values(definitions)) {
    const kinds = definition['x-kubernetes-group-version-kind'] as
      | Array<{ group: string; version: string; kind: string }>
      | undefined;
    if (!kinds) continue;
    const refs = new Set<string>();
    const schema = toJsonSchema(definition, refs) as Schema;
    // Every definition it reaches, so that each file stands alone.
    const closure: Schema = {};
    for (const ref of refs) {
      if (ref in closure || !definitions[ref]) continue;
      closure[ref] = toJsonSchema(definitions[ref], refs);
    }
    for (const { group, version: apiVersion, kind } of kinds) {
      const properties = { ...(schema.properties as Schema) };
      properties.kind = { type: 'string', enum: [kind] };
      properties.apiVersion = { type: 'string', enum: [group ? `${group}/${apiVersion}` : apiVersion] };
      const standalone = {
        $schema: 'http://json-schema.org/draft-04/schema#',
        ...schema,
        properties,
        definitions: closure,
      };
      writeFileSync(join(dir, schemaFile(kind, group, apiVersion)), JSON.stringify(standalone));
      count++;
    }
  }
  writeFileSync(marker, `${stamp}: ${count} schemas\n`);
  return schemaRoot;
}

// --- 3. structure ---------------------------------------------------------------------------------

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
    runAsNonRoot?: boolean;
  };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes?: Array<{ name: string }>;
  securityContext?: { runAsNonRoot?: boolean };
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  topologySpreadConstraints?: unknown[];
  restartPolicy?: string;
}
type Labels = Record<string, string>;
/** A NetworkPolicy peer, rule and spec, as far as the checks read them. */
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels; matchExpressions?: unknown[] };
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  from?: Peer[];
  to?: Peer[];
  ports?: Array<{ port?: number | string; protocol?: string }>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Partial<PodSpec> & {
    replicas?: number;
    selector?: Record<string, string> | { matchLabels?: Record<string, string> };
    strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template?: { metadata: { labels?: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string }>;
    minAvailable?: number | string;
    minReplicas?: number;
    scaleTargetRef?: { kind: string; name: string };
    // NetworkPolicy
    podSelector?: { matchLabels?: Labels };
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
    // KEDA: ScaledObject, TriggerAuthentication
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers?: Array<{
      type: string;
      metadata: Record<string, string>;
      authenticationRef?: { name: string };
    }>;
    secretTargetRef?: Array<{ parameter: string; name: string; key: string }>;
    rules?: Array<{
      host?: string;
      http?: {
        paths: Array<{
          path: string;
          backend: { service?: { name: string; port: { name?: string; number?: number } } };
        }>;
      };
    }>;
    // ServiceMonitor (Prometheus Operator)
    endpoints?: Array<{ port?: string; path?: string; honorLabels?: boolean }>;
  };
}

const matches = (selector: Record<string, string> = {}, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

interface Expectations {
  /** Secrets the values name but the chart does not make. */
  externalSecrets: string[];
  /** Deployments (by component) that the values give a single replica. */
  singleReplica?: string[];
  /** Whether pods spread over nodes and zones. @default true */
  topologySpread?: boolean;
  /** The gateway's TRUST_PROXY. */
  trustProxy: string;
  /** Whether NetworkPolicies are rendered. @default true */
  networkPolicy?: boolean;
  /** Whether the Pixelflow processes serve metrics (metrics.enabled). @default true */
  metrics?: boolean;
  /** Who may reach their metrics port (metrics.from). @default [] (anyone) */
  metricsFrom?: Peer[];
  /** What the Pixelflow processes get while tracing.enabled; absent: tracing is off. */
  tracing?: TracingExpectation;
}
/** The tracing env every Pixelflow process gets, as the values say it, and where its spans may go. */
interface TracingExpectation {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL. */
  endpoint: string;
  /** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. */
  sampler: string;
  ratio: string;
  /**
   * OTEL_EXPORTER_OTLP_HEADERS: the value tracing.headers makes; `secret` where env gives it from a
   * Secret instead; absent: no headers.
   */
  headers?: string | { secret: string };
  /** The NetworkPolicies' peers for the collector (tracing.to). @default [] (any destination) */
  to?: Peer[];
}

/**
 * Variables the chart must set although they have a default, because the default does not suit a
 * cluster (the public URL, where image bytes go, the proxy in front).
 */
const chartSets: Partial<Record<string, string[]>> = {
  gateway: ['TRUST_PROXY', 'MAX_CONNECTIONS_PER_ADDRESS'],
  gallery: ['PUBLIC_URL', 'OBJECT_STORE'],
  jobs: ['PUBLIC_URL'],
};

/**
 * The environment each service of the manifest needs, by component: what its env.ts requires
 * (no default), and what the chart must set. Every service also gets PORT. A service the
 * manifest gains is held to this without a change here.
 */
const requiredEnv: Record<string, string[]> = Object.fromEntries(
  await Promise.all(
    services
      .filter((service) => service.role !== 'converter')
      .map(async (service) => {
        const variables = await environmentOf(service);
        const required = [...variables].filter(([, { required }]) => required).map(([name]) => name);
        return [service.name, [...new Set([...required, ...(chartSets[service.name] ?? [])])]];
      }),
  ),
);
/** The entry point each component's container must run. */
const entries = new Map(services.map((service) => [service.name as string, service.entry]));
const manifestEntries = new Set(entries.values());
/** Whether a container runs an entry point of the manifest: a process of the chart's images. */
const runsPixelflow = (c: Container) =>
  [...(c.command ?? []), ...(c.args ?? [])].some((arg) => manifestEntries.has(arg));
/** metrics.port's default, for renders that have no metrics port to read it from. */
const defaultMetricsPort = (
  parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as { metrics: { port: number } }
).metrics.port;

const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

/** What every render must satisfy. */
function checkStructure(objects: Manifest[], expect: Expectations): string[] {
  const found: string[] = [];
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const workloads = [...of('Deployment'), ...of('StatefulSet')];
  const hpaTargets = new Map(of('HorizontalPodAutoscaler').map((h) => [h.spec?.scaleTargetRef?.name, h]));
  const scaledObjects = new Map(of('ScaledObject').map((o) => [o.spec?.scaleTargetRef?.name, o]));
  /** The fewest pods a Deployment may have: its autoscaler's minimum, else its replica count. */
  const fewest = (w: Manifest) =>
    hpaTargets.get(w.metadata.name)?.spec?.minReplicas ??
    scaledObjects.get(w.metadata.name)?.spec?.minReplicaCount ??
    w.spec?.replicas ??
    1;
  const secrets = new Map(of('Secret').map((s) => [s.metadata.name, Object.keys(s.data ?? {})]));
  const services = of('Service');
  /** Whether a Service of that name serves that port. */
  const serves = (host: string, port: number) =>
    services.some((s) => s.metadata.name === host && s.spec?.ports?.some((p) => p.port === port));
  const publicUrls = new Set<string>();
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    if (seen.has(id)) found.push(`${id} is rendered twice`);
    seen.add(id);
    if (o.metadata?.labels?.['app.kubernetes.io/instance'] === undefined)
      found.push(`${id} lacks the instance label`);
  }
  for (const w of workloads) {
    const id = `${w.kind}/${w.metadata.name}`;
    const pod = w.spec?.template?.spec;
    const podLabels = w.spec?.template?.metadata.labels;
    if (!pod) {
      found.push(`${id} has no pod template`);
      continue;
    }
    const component = podLabels?.['app.kubernetes.io/component'] ?? '';
    if (!matches((w.spec?.selector as { matchLabels?: Record<string, string> })?.matchLabels, podLabels))
      found.push(`${id}: selector does not match its pod labels`);
    if (pod.automountServiceAccountToken !== false) found.push(`${id} mounts a service account token`);
    if (w.kind === 'Deployment') {
      const scaler = hpaTargets.get(w.metadata.name) ?? scaledObjects.get(w.metadata.name);
      if (scaler && w.spec?.replicas !== undefined)
        found.push(`${id} sets replicas while ${scaler.kind}/${scaler.metadata.name} scales it`);
      if (fewest(w) < 2 && !expect.singleReplica?.includes(component))
        found.push(`${id} has fewer than 2 replicas`);
      if (w.spec?.strategy?.type !== 'RollingUpdate' || w.spec.strategy.rollingUpdate?.maxUnavailable !== 0)
        found.push(`${id}: rollout is not RollingUpdate with maxUnavailable 0`);
      if (Boolean(pod.topologySpreadConstraints?.length) !== (expect.topologySpread ?? true))
        found.push(`${id}: topology spread is not as the values ask`);
    }
    const volumes = new Set([
      ...(pod.volumes ?? []).map((v) => v.name),
      ...(w.spec?.volumeClaimTemplates ?? []).map((v) => v.metadata.name),
    ]);
    for (const c of pod.containers) {
      const cid = `${id} container ${c.name}`;
      for (const mount of c.volumeMounts ?? []) {
        if (!volumes.has(mount.name))
          found.push(`${cid} mounts ${mount.name}, which is no volume of its pod`);
      }
      const env = new Map((c.env ?? []).map((e) => [e.name, e]));
      for (const name of w.kind === 'Deployment' ? (requiredEnv[component] ?? []) : []) {
        const e = env.get(name);
        if (!e || (e.value === undefined && !e.valueFrom) || e.value === '')
          found.push(`${cid} lacks ${name}`);
      }
      // A service of the manifest runs its own entry point (a converter's entry runs per converter).
      const entry = entries.get(component);
      const command = [...(c.command ?? []), ...(c.args ?? [])];
      if (entry && requiredEnv[component] && w.kind === 'Deployment' && !command.includes(entry))
        found.push(`${cid} runs ${command.join(' ')}, not ${entry}`);
      const publicUrl = env.get('PUBLIC_URL')?.value;
      if (publicUrl !== undefined) publicUrls.add(publicUrl);
      const trustProxy = env.get('TRUST_PROXY');
      if (trustProxy && trustProxy.value !== expect.trustProxy)
        found.push(`${cid}: TRUST_PROXY is ${trustProxy.value}, not ${expect.trustProxy}`);
      // Behind a proxy every client shares its address: a per-address cap would cap them all.
      const connectionCap = env.get('MAX_CONNECTIONS_PER_ADDRESS')?.value;
      if (trustProxy && connectionCap !== (trustProxy.value === 'false' ? '64' : '0'))
        found.push(
          `${cid}: MAX_CONNECTIONS_PER_ADDRESS is ${connectionCap} with TRUST_PROXY ${trustProxy.value}`,
        );
      if (!c.livenessProbe?.httpGet && w.kind === 'Deployment')
        found.push(`${cid} has no HTTP liveness probe`);
      if (!c.readinessProbe) found.push(`${cid} has no readiness probe`);
      if (!c.resources?.requests?.memory || !c.resources.limits?.memory)
        found.push(`${cid} lacks a memory request or limit`);
      if (!c.resources?.requests?.cpu) found.push(`${cid} lacks a CPU request`);
      if (c.image?.endsWith(':latest') || c.image?.endsWith(':'))
        found.push(`${cid} has no pinned image tag`);
      if (!(pod.securityContext?.runAsNonRoot || c.securityContext?.runAsNonRoot))
        found.push(`${cid} may run as root`);
      const sc = c.securityContext;
      if (sc?.allowPrivilegeEscalation !== false || !sc.capabilities?.drop?.includes('ALL'))
        found.push(`${cid} may escalate privileges or keeps capabilities`);
      if (sc?.readOnlyRootFilesystem !== true) found.push(`${cid} has a writable root filesystem`);
      if (!c.volumeMounts?.some((m) => m.mountPath === '/tmp')) found.push(`${cid} has no writable /tmp`);
      if (w.kind === 'Deployment') {
        const sleep = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
        if (sleep <= 0) found.push(`${cid} has no preStop sleep`);
        if (sleep >= (pod.terminationGracePeriodSeconds ?? 30))
          found.push(`${cid}: preStop sleep uses up the whole grace period`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const keys = secrets.get(ref.name);
        if (keys ? !keys.includes(ref.key) : !expect.externalSecrets.includes(ref.name))
          found.push(`${cid}: ${e.name} refers to ${ref.name}/${ref.key}, which nothing provides`);
      }
      // Base URLs of other services must name a rendered Service and one of its ports.
      for (const e of c.env ?? []) {
        // The public URL and the tracing collector lie outside the release.
        if (e.name === 'PUBLIC_URL' || e.name.startsWith('OTEL_')) continue;
        for (const [, host, port] of (e.value ?? '').matchAll(/http:\/\/([a-z0-9-]+):(\d+)/g)) {
          if (host?.includes('.')) continue;
          if (!serves(host ?? '', Number(port)))
            found.push(`${cid}: ${e.name} points at ${host}:${port}, which no Service serves`);
        }
      }
    }
  }
  for (const component of Object.keys(requiredEnv)) {
    if (
      !of('Deployment').some(
        (d) => d.spec?.template?.metadata.labels?.['app.kubernetes.io/component'] === component,
      )
    )
      found.push(`no Deployment of ${component}`);
  }
  if (publicUrls.size > 1) found.push(`the services disagree on PUBLIC_URL: ${[...publicUrls].join(', ')}`);
  // The DATABASE_URL the chart makes: a PostgreSQL URL; the bundled instance's names its Service and
  // carries its password, percent-encoded as pg decodes it.
  for (const s of of('Secret')) {
    const encoded = s.data?.['database-url'];
    if (encoded === undefined) continue;
    const sid = `Secret/${s.metadata.name}`;
    let url: URL;
    try {
      url = new URL(decode(encoded));
    } catch {
      found.push(`${sid}: database-url is no URL`);
      continue;
    }
    if (!/^postgres(ql)?:$/.test(url.protocol)) found.push(`${sid}: database-url is no postgres:// URL`);
    if (!url.hostname.includes('.') && !serves(url.hostname, Number(url.port || 5432)))
      found.push(`${sid}: database-url points at ${url.host}, which no Service serves`);
    const password = s.data?.['postgres-password'];
    if (password !== undefined && decodeURIComponent(url.password) !== decode(password))
      found.push(`${sid}: the password inside database-url is not postgres-password`);
    if (password !== undefined && decode(password).length === 0)
      found.push(`${sid}: postgres-password is empty`);
  }
  for (const s of services) {
    const selector = s.spec?.selector as Record<string, string> | undefined;
    const targets = workloads.filter((w) => matches(selector, w.spec?.template?.metadata.labels));
    if (targets.length !== 1) found.push(`Service/${s.metadata.name} selects ${targets.length} workloads`);
    const names = targets.flatMap((w) =>
      (w.spec?.template?.spec.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.name)),
    );
    for (const port of s.spec?.ports ?? []) {
      if (typeof port.targetPort === 'string' && !names.includes(port.targetPort))
        found.push(`Service/${s.metadata.name}: targetPort ${port.targetPort} is no container port`);
    }
  }
  for (const pdb of of('PodDisruptionBudget')) {
    const selector = (pdb.spec?.selector as { matchLabels?: Record<string, string> })?.matchLabels;
    const targets = workloads.filter((w) => matches(selector, w.spec?.template?.metadata.labels));
    const target = targets[0];
    if (targets.length !== 1 || !target) {
      found.push(`PodDisruptionBudget/${pdb.metadata.name} selects ${targets.length} workloads`);
      continue;
    }
    if (Number(pdb.spec?.minAvailable) >= fewest(target))
      found.push(`PodDisruptionBudget/${pdb.metadata.name} would block every eviction`);
  }
  for (const [name] of hpaTargets) {
    if (!of('Deployment').some((d) => d.metadata.name === name))
      found.push(`an HPA targets ${name}, which is absent`);
    if (scaledObjects.has(name)) found.push(`${name} is scaled by both an HPA and a ScaledObject`);
  }
  for (const ingress of of('Ingress')) {
    for (const rule of ingress.spec?.rules ?? []) {
      const paths = (rule.http?.paths ?? []).map((p) => p.path);
      if (new Set(paths).size !== paths.length)
        found.push(`Ingress/${ingress.metadata.name}: a path of ${rule.host ?? 'its rule'} is routed twice`);
    }
    for (const path of (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? [])) {
      const backend = path.backend.service;
      const target = services.find((s) => s.metadata.name === backend?.name);
      if (!target?.spec?.ports?.some((p) => p.name === backend?.port.name))
        found.push(`Ingress/${ingress.metadata.name} routes to ${backend?.name}, which is not there`);
    }
  }
  found.push(
    ...checkNetworkPolicies(objects, expect),
    ...checkKeda(objects, expect),
    ...checkTestPods(objects),
    ...checkMetrics(objects, expect),
    ...checkTracing(objects, expect),
  );
  return found;
}

// --- NetworkPolicy, KEDA and helm test -------------------------------------------------------------

/** A pod as NetworkPolicies see it: its component, labels and container ports. */
interface PodView {
  component: string;
  labels: Labels;
  ports: Array<{ name?: string; containerPort: number }>;
  /** Whether it runs an entry point of the manifest (a process of the chart's images). */
  pixelflow: boolean;
}
/** A pod of another namespace, or an address outside the cluster. */
const outside = null;
type Endpoint = PodView | typeof outside;

const selects = (selector: { matchLabels?: Labels } | undefined, labels: Labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
const isEmptySelector = (selector: Peer['namespaceSelector']) =>
  selector !== undefined &&
  Object.keys(selector.matchLabels ?? {}).length === 0 &&
  (selector.matchExpressions ?? []).length === 0;

/** Whether a rule's peers (from or to) take in that endpoint; no peers: every endpoint. */
function peersMatch(peers: Peer[] | undefined, endpoint: Endpoint): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => {
    if (endpoint === outside) return Boolean(peer.ipBlock || peer.namespaceSelector);
    if (peer.ipBlock) return false;
    // A namespaceSelector peer reaches the release's own namespace only when it selects every one.
    if (peer.namespaceSelector && !isEmptySelector(peer.namespaceSelector)) return false;
    return selects(peer.podSelector, endpoint.labels);
  });
}

/** Whether a rule's ports take in that port of the target (named ports resolve on the target). */
function portsMatch(rule: PolicyRule, target: Endpoint, port: number, protocol: string): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol &&
      (p.port === undefined ||
        p.port === port ||
        (typeof p.port === 'string' &&
          target !== outside &&
          target.ports.some((c) => c.name === p.port && c.containerPort === port))),
  );
}

/**
 * Whether the policies let `from` open a connection to `to` on that port at one end: `to`'s ingress,
 * or `from`'s egress.
 */
function oneEnd(
  policies: Manifest[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: string,
  type: 'Ingress' | 'Egress',
): boolean {
  const pod = type === 'Ingress' ? to : from;
  if (pod === outside) return true;
  const selecting = policies.filter(
    (p) =>
      selects(p.spec?.podSelector, pod.labels) &&
      (p.spec?.policyTypes ?? (type === 'Ingress' || p.spec?.egress ? [type] : [])).includes(type),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (type === 'Ingress' ? p.spec?.ingress : p.spec?.egress)?.some(
      (rule) =>
        peersMatch(type === 'Ingress' ? rule.from : rule.to, type === 'Ingress' ? from : to) &&
        portsMatch(rule, to, port, protocol),
    ),
  );
}

/** Whether the policies let `from` open a connection to `to` on that port, at both ends. */
function allowed(
  policies: Manifest[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = 'TCP',
): boolean {
  return (
    oneEnd(policies, from, to, port, protocol, 'Egress') &&
    oneEnd(policies, from, to, port, protocol, 'Ingress')
  );
}

const podView = (labels: Labels = {}, spec: Partial<PodSpec> | undefined): PodView => ({
  component: labels['app.kubernetes.io/component'] ?? '',
  labels,
  ports: (spec?.containers ?? []).flatMap((c) => c.ports ?? []),
  pixelflow: (spec?.containers ?? []).some(runsPixelflow),
});
/** The ports a pod serves its callers on: all but the metrics port, which has checks of its own. */
const servicePorts = (pod: PodView) => pod.ports.filter((p) => p.name !== 'metrics');

/** The services each component reaches by the manifest: subgraphs and converters, Redis, PostgreSQL. */
const usesRedis = new Set<string>();
const usesPostgres = new Set<string>();
for (const service of services) {
  const variables = await environmentOf(service);
  if (variables.has('REDIS_URL')) usesRedis.add(service.name);
  if (variables.has('DATABASE_URL')) usesPostgres.add(service.name);
}

/**
 * The NetworkPolicies against the service manifest: each selects pods of the release; every call
 * the manifest makes (a service's dependsOn, the converters in its CONVERTERS, Redis and
 * PostgreSQL for those that read REDIS_URL / DATABASE_URL) is allowed at both ends and no other
 * connection between the release's pods is; from outside only the gateway and the web app (and
 * Redis for KEDA's operator) are reachable; every Pixelflow pod may ask DNS, and reaches outside
 * the release only for the datastores and converters that live there. The metrics port is open to
 * metrics.from only (checkMetricsPolicies).
 */
function checkNetworkPolicies(objects: Manifest[], expect: Expectations): string[] {
  const found: string[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  const pods = workloads.map((w) => podView(w.spec?.template?.metadata.labels, w.spec?.template?.spec));
  const testPods = objects
    .filter((o) => o.kind === 'Pod')
    .map((o) => podView(o.metadata.labels, o.spec as Partial<PodSpec>));
  if (!(expect.networkPolicy ?? true)) {
    if (policies.length > 0) found.push(`${policies.length} NetworkPolicies rendered while switched off`);
    return found;
  }
  for (const policy of policies) {
    const id = `NetworkPolicy/${policy.metadata.name}`;
    if (!pods.some((pod) => selects(policy.spec?.podSelector, pod.labels)))
      found.push(`${id} selects no pod of the release`);
    for (const rule of [...(policy.spec?.ingress ?? []), ...(policy.spec?.egress ?? [])]) {
      for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])]) {
        if (
          peer.podSelector &&
          !peer.namespaceSelector &&
          ![...pods, ...testPods].some((p) => selects(peer.podSelector, p.labels))
        )
          found.push(`${id} names a peer that selects no pod: ${JSON.stringify(peer.podSelector)}`);
      }
    }
  }
  for (const pod of pods) {
    const types = new Set(
      policies
        .filter((p) => selects(p.spec?.podSelector, pod.labels))
        .flatMap((p) => p.spec?.policyTypes ?? []),
    );
    if (!types.has('Ingress') || !types.has('Egress'))
      found.push(`${pod.component}: no NetworkPolicy limits both its ingress and its egress`);
  }

  // The calls the manifest makes, by component.
  const byComponent = new Map(
    workloads.map((w) => [w.spec?.template?.metadata.labels?.['app.kubernetes.io/component'] ?? '', w]),
  );
  const serviceTargets = new Map(
    objects
      .filter((o) => o.kind === 'Service')
      .map((s) => {
        const target = workloads.find((w) =>
          matches(s.spec?.selector as Labels, w.spec?.template?.metadata.labels),
        );
        return [
          s.metadata.name,
          target?.spec?.template?.metadata.labels?.['app.kubernetes.io/component'] ?? '',
        ];
      }),
  );
  const expected = new Set<string>();
  const external = new Set<string>();
  for (const service of services) {
    const workload = byComponent.get(service.name);
    if (!workload || service.role === 'converter') continue;
    const env = new Map(
      (workload.spec?.template?.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? '']),
    );
    const roleOf = (name: string) => services.find((s) => s.name === name)?.role;
    for (const dependency of service.dependsOn) {
      if (roleOf(dependency) !== 'converter' && byComponent.has(dependency))
        expected.add(`${service.name} → ${dependency}`);
    }
    // A converter process is called at the URLs of CONVERTERS: this chart's Services, or elsewhere.
    if (service.dependsOn.some((name) => roleOf(name) === 'converter')) {
      for (const pair of (env.get('CONVERTERS') ?? '').split(',').filter(Boolean)) {
        const target = serviceTargets.get(new URL(pair.slice(pair.indexOf('=') + 1)).hostname);
        if (target) expected.add(`${service.name} → ${target}`);
        else external.add(service.name);
      }
    }
    for (const [store, users] of [
      ['redis', usesRedis],
      ['postgres', usesPostgres],
    ] as const) {
      if (!users.has(service.name)) continue;
      if (byComponent.has(store)) expected.add(`${service.name} → ${store}`);
      else external.add(service.name);
    }
    // And the chart wires no call the manifest does not make.
    for (const [name, value] of env) {
      if (name === 'PUBLIC_URL') continue;
      for (const [, host] of value.matchAll(/http:\/\/([a-z0-9-]+):\d+/g)) {
        const target = serviceTargets.get(host ?? '');
        if (target && !expected.has(`${service.name} → ${target}`))
          found.push(`${service.name}: ${name} calls ${target}, which the manifest does not`);
      }
    }
  }
  // From outside the release: the edge, and Redis for KEDA's operator.
  const keda = objects.some((o) => o.kind === 'ScaledObject');
  const edge = new Set(['gateway', 'web', ...(keda ? ['redis'] : [])]);
  for (const to of pods) {
    const open = servicePorts(to).some((p) => allowed(policies, outside, to, p.containerPort));
    if (open !== edge.has(to.component))
      found.push(`${to.component} is ${open ? '' : 'not '}reachable from outside the release`);
  }
  // Between the release's pods: what the manifest calls, and nothing else; but a pod that takes
  // connections from every pod (the web app) is taken in by any rule towards "any address" too, and
  // nothing opens thereby.
  const stranger: PodView = { component: '', labels: {}, ports: [], pixelflow: false };
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      const call = `${from.component} → ${to.component}`;
      const open = to.ports.filter((p) => allowed(policies, from, to, p.containerPort));
      const toAll = servicePorts(to).some((p) => allowed(policies, stranger, to, p.containerPort));
      if (expected.has(call) && open.length === 0) found.push(`the NetworkPolicies block ${call}`);
      if (!expected.has(call) && open.length > 0 && !toAll)
        found.push(
          `the NetworkPolicies allow ${call} (port ${open.map((p) => p.containerPort).join(', ')}), which the manifest does not call`,
        );
    }
  }
  const gateway = pods.find((p) => p.component === 'gateway');
  for (const test of testPods) {
    if (gateway && !servicePorts(gateway).some((p) => allowed(policies, test, gateway, p.containerPort)))
      found.push(`the NetworkPolicies keep the helm test pod from the gateway`);
  }
  // Out of the release: DNS for every Pixelflow pod, and otherwise only to what lives outside (the
  // tracing collector's port has checks of its own, checkTracingPolicies; 4318 is OTLP/HTTP's).
  const tracingPort = expect.tracing && collectorPort(expect.tracing.endpoint);
  for (const from of pods) {
    const store = from.component === 'redis' || from.component === 'postgres';
    const dns = allowed(policies, from, outside, 53, 'UDP') && allowed(policies, from, outside, 53, 'TCP');
    if (!store && !dns) found.push(`${from.component} may not ask DNS`);
    const probe = [80, 443, 4318, 5432, 6379, 8080].filter(
      (port) => !(from.pixelflow && port === tracingPort),
    );
    const beyond = probe.filter((port) => allowed(policies, from, outside, port));
    if (store && (dns || beyond.length > 0))
      found.push(`${from.component} may open connections out of the release`);
    if (!store && beyond.length > 0 && !external.has(from.component))
      found.push(
        `${from.component} may reach port ${beyond.join(', ')} outside the release, where it calls nothing`,
      );
  }
  found.push(...checkMetricsPolicies(policies, pods, stranger, expect));
  found.push(...checkTracingPolicies(policies, pods, stranger, expect));
  return found;
}

/**
 * The metrics port, by the policies' ingress (a scraper's own egress is its business): each pod
 * that serves metrics takes connections on it from the peers of metrics.from (from anyone when
 * empty) and from nothing else; a pod that serves none takes none there, nor does any pod while
 * metrics are off; and no pod of the release reaches another's (nothing of Pixelflow scrapes).
 */
function checkMetricsPolicies(
  policies: Manifest[],
  pods: PodView[],
  stranger: PodView,
  expect: Expectations,
): string[] {
  const found: string[] = [];
  const from = expect.metricsFrom ?? [];
  const port =
    pods.flatMap((p) => p.ports).find((p) => p.name === 'metrics')?.containerPort ?? defaultMetricsPort;
  /** The source each peer stands for: outside the namespace, or a pod of the namespace with its labels. */
  const scrapers: Endpoint[] = from.map((peer) =>
    peer.ipBlock || (peer.namespaceSelector && !isEmptySelector(peer.namespaceSelector))
      ? outside
      : { component: 'scraper', labels: peer.podSelector?.matchLabels ?? {}, ports: [], pixelflow: false },
  );
  const describe = (source: Endpoint) =>
    source === outside
      ? 'outside the namespace'
      : source === stranger
        ? 'any pod of the namespace'
        : `pods labelled ${JSON.stringify(source.labels)}`;
  for (const to of pods) {
    const serves = to.ports.some((p) => p.name === 'metrics');
    // A workload of another image may listen on that number for its own purposes.
    if (!serves && to.ports.some((p) => p.containerPort === port)) continue;
    for (const source of [outside, stranger, ...scrapers]) {
      const wanted = serves && (expect.metrics ?? true) && peersMatch(from, source);
      const admitted = oneEnd(policies, source, to, port, 'TCP', 'Ingress');
      if (admitted !== wanted)
        found.push(
          `${to.component}: the metrics port (${port}) is ${admitted ? '' : 'not '}reachable from ${describe(source)}`,
        );
    }
    for (const other of pods) {
      if (other !== to && allowed(policies, other, to, port))
        found.push(`${other.component} may reach the metrics port of ${to.component}`);
    }
  }
  return found;
}

/** The port a process reaches the collector on: the endpoint's, else its scheme's. */
const collectorPort = (endpoint: string) => {
  const url = new URL(endpoint);
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
};

/**
 * The tracing collector, by the policies' egress (the collector's ingress is its own business):
 * while tracing is on, each Pixelflow pod may open connections on the endpoint's port to the peers
 * of tracing.to (to any destination when empty) and to nothing else there; the web app, the
 * datastores and extraConverters may not (the ports probed in checkNetworkPolicies cover tracing
 * off).
 */
function checkTracingPolicies(
  policies: Manifest[],
  pods: PodView[],
  stranger: PodView,
  expect: Expectations,
): string[] {
  const found: string[] = [];
  if (!expect.tracing) return found;
  const port = collectorPort(expect.tracing.endpoint);
  const to = expect.tracing.to ?? [];
  /** The destination each peer stands for: outside the namespace, or a pod of the namespace with its labels. */
  const collectors: Endpoint[] = to.map((peer) =>
    peer.ipBlock || (peer.namespaceSelector && !isEmptySelector(peer.namespaceSelector))
      ? outside
      : {
          component: 'collector',
          labels: peer.podSelector?.matchLabels ?? {},
          ports: [{ containerPort: port }],
          pixelflow: false,
        },
  );
  const describe = (target: Endpoint) =>
    target === outside
      ? 'addresses outside the namespace'
      : target === stranger
        ? 'any pod of the namespace'
        : `pods labelled ${JSON.stringify(target.labels)}`;
  for (const from of pods) {
    for (const target of new Set([outside, stranger, ...collectors])) {
      const wanted = from.pixelflow && peersMatch(to, target);
      const admitted = oneEnd(policies, from, target, port, 'TCP', 'Egress');
      if (admitted !== wanted)
        found.push(
          `${from.component} ${admitted ? 'may' : 'may not'} send spans on port ${port} to ${describe(target)}`,
        );
    }
  }
  return found;
}

const { QUEUE } = await import('../subgraphs/conversion/src/service.ts');

/**
 * KEDA's objects: the ScaledObject sizes the conversion Deployment (which then has neither replicas
 * nor an HPA) on the conversion queue (QUEUE's stream with the release's key prefix, and its
 * consumer group), reaching the Redis the services use; its TriggerAuthentication names Secret
 * keys that exist.
 */
/** The namespace helm template renders into when given none. */
const namespace = 'default';

function checkKeda(objects: Manifest[], expect: Expectations): string[] {
  const found: string[] = [];
  const secrets = new Map(
    objects.filter((o) => o.kind === 'Secret').map((s) => [s.metadata.name, s.data ?? {}]),
  );
  const auths = new Map(
    objects.filter((o) => o.kind === 'TriggerAuthentication').map((a) => [a.metadata.name, a]),
  );
  const serves = (host: string, port: number) =>
    objects.some(
      (s) => s.kind === 'Service' && s.metadata.name === host && s.spec?.ports?.some((p) => p.port === port),
    );
  for (const scaled of objects.filter((o) => o.kind === 'ScaledObject')) {
    const id = `ScaledObject/${scaled.metadata.name}`;
    const target = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === scaled.spec?.scaleTargetRef?.name,
    );
    const container = target?.spec?.template?.spec.containers[0];
    if (
      target?.spec?.template?.metadata.labels?.['app.kubernetes.io/component'] !== 'conversion' ||
      !container
    ) {
      found.push(`${id} scales ${scaled.spec?.scaleTargetRef?.name}, which is not the conversion Deployment`);
      continue;
    }
    if ((scaled.spec?.minReplicaCount ?? 0) < 1) found.push(`${id} may scale the conversion service to 0`);
    const prefix = container.env?.find((e) => e.name === 'REDIS_KEY_PREFIX')?.value ?? '';
    const redisUrl = container.env?.find((e) => e.name === 'REDIS_URL')?.valueFrom?.secretKeyRef;
    const stored = redisUrl && secrets.get(redisUrl.name)?.[redisUrl.key];
    for (const trigger of scaled.spec?.triggers ?? []) {
      const meta = trigger.metadata;
      if (trigger.type !== 'redis-streams') found.push(`${id}: a trigger of type ${trigger.type}`);
      if (meta.stream !== `${prefix}${QUEUE.stream}` || meta.consumerGroup !== QUEUE.group)
        found.push(
          `${id}: scales on ${meta.stream}/${meta.consumerGroup}, not ${prefix}${QUEUE.stream}/${QUEUE.group}`,
        );
      // KEDA's operator runs in its own namespace: a Service of the release by <name>.<namespace>.svc.
      const [host = '', port = ''] = (meta.address ?? '').split(':');
      const inRelease = new RegExp(`^([a-z0-9-]+)\\.${namespace}\\.svc$`).exec(host)?.[1];
      if (!host.includes('.')) found.push(`${id}: KEDA's operator cannot resolve ${host} from its namespace`);
      if (inRelease !== undefined && !serves(inRelease, Number(port)))
        found.push(`${id}: no Service serves ${meta.address}`);
      if (stored) {
        const url = new URL(decode(stored));
        const seen = url.hostname.includes('.') ? url.hostname : `${url.hostname}.${namespace}.svc`;
        if (`${seen}:${url.port || 6379}` !== meta.address)
          found.push(`${id}: reaches ${meta.address}, the services ${url.host}`);
        if (url.password && !trigger.authenticationRef) found.push(`${id}: Redis has a password, KEDA none`);
        if (String(url.protocol === 'rediss:') !== meta.enableTLS)
          found.push(`${id}: enableTLS does not match REDIS_URL`);
      }
      const target = Number(meta.lagCount ?? meta.pendingEntriesCount);
      if (!Number.isInteger(target) || target < 1)
        found.push(`${id}: a trigger without a lagCount or pendingEntriesCount`);
      if (trigger.authenticationRef) {
        const auth = auths.get(trigger.authenticationRef.name);
        if (!auth) found.push(`${id}: TriggerAuthentication/${trigger.authenticationRef.name} is absent`);
        for (const ref of auth?.spec?.secretTargetRef ?? []) {
          const known = secrets.get(ref.name);
          if (known ? !(ref.key in known) : !expect.externalSecrets.includes(ref.name))
            found.push(`${id}: its ${ref.parameter} is ${ref.name}/${ref.key}, which nothing provides`);
          if (
            known &&
            ref.parameter === 'password' &&
            stored &&
            decode(known[ref.key] ?? '') !== new URL(decode(stored)).password
          )
            found.push(`${id}: its password is not the one inside REDIS_URL`);
        }
      }
    }
  }
  return found;
}

/**
 * The helm test pods: hooks of the test event from the services' image, non-root with a read-only
 * root filesystem and resources like the other pods, asking the gateway's Service for every
 * converter the conversion service is given.
 */
function checkTestPods(objects: Manifest[]): string[] {
  const found: string[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const of = (component: string) =>
    deployments.find((d) => d.spec?.template?.metadata.labels?.['app.kubernetes.io/component'] === component)
      ?.spec?.template?.spec.containers[0];
  const gateway = of('gateway');
  const conversion = of('conversion');
  const gatewayService = objects.find(
    (o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/component'] === 'gateway',
  );
  for (const pod of objects.filter((o) => o.kind === 'Pod')) {
    const id = `Pod/${pod.metadata.name}`;
    const spec = pod.spec as Partial<PodSpec>;
    const c = spec.containers?.[0];
    if (pod.metadata.annotations?.['helm.sh/hook'] !== 'test') found.push(`${id} is no helm test hook`);
    if (!c) continue;
    if (spec.restartPolicy !== 'Never') found.push(`${id} restarts`);
    if (spec.automountServiceAccountToken !== false) found.push(`${id} mounts a service account token`);
    if (c.image !== gateway?.image) found.push(`${id} runs ${c.image}, not the services' image`);
    if ((c.args ?? []).slice(0, 2).join(' ') !== 'node -e') found.push(`${id} does not run node -e`);
    if (!(spec.securityContext?.runAsNonRoot || c.securityContext?.runAsNonRoot))
      found.push(`${id} may run as root`);
    if (c.securityContext?.readOnlyRootFilesystem !== true)
      found.push(`${id} has a writable root filesystem`);
    if (
      c.securityContext?.allowPrivilegeEscalation !== false ||
      !c.securityContext.capabilities?.drop?.includes('ALL')
    )
      found.push(`${id} may escalate privileges or keeps capabilities`);
    if (!c.resources?.requests?.cpu || !c.resources.requests.memory || !c.resources.limits?.memory)
      found.push(`${id} lacks requests or a memory limit`);
    const env = new Map((c.env ?? []).map((e) => [e.name, e.value ?? '']));
    const url = new URL(env.get('GATEWAY_URL') ?? 'http://nowhere:1');
    if (
      url.hostname !== gatewayService?.metadata.name ||
      !gatewayService.spec?.ports?.some((p) => p.port === Number(url.port))
    )
      found.push(`${id}: GATEWAY_URL ${url} is not the gateway's Service`);
    const converters = (conversion?.env?.find((e) => e.name === 'CONVERTERS')?.value ?? '')
      .split(',')
      .map((pair) => pair.slice(0, pair.indexOf('=')));
    if (env.get('CONVERTER_IDS') !== converters.join(','))
      found.push(
        `${id} expects converters ${env.get('CONVERTER_IDS')}, conversion has ${converters.join(',')}`,
      );
  }
  return found;
}

/**
 * Prometheus metrics. A Pixelflow workload is a Deployment that runs an entry point of the manifest
 * (the services, the sharp and AI converters); the web app, the datastores and extraConverters run
 * other images. While metrics are on, each Pixelflow workload has a container port named `metrics`
 * that its METRICS_PORT names, and its Service a port of that name; nothing else has one, and no
 * Ingress routes to one. The ServiceMonitor selects exactly the Services with a metrics port (of
 * this release), scrapes that port by name at /metrics, and keeps the processes' own `service`
 * label (honorLabels); the dashboard's ConfigMap holds a dashboard as JSON. While they are off:
 * METRICS=false on every Pixelflow workload, no metrics port, no ServiceMonitor and no dashboard.
 */
function checkMetrics(objects: Manifest[], expect: Expectations): string[] {
  const found: string[] = [];
  const enabled = expect.metrics ?? true;
  const services = objects.filter((o) => o.kind === 'Service');
  const metricsPort = (o: Manifest) => o.spec?.ports?.find((p) => p.name === 'metrics');
  for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const id = `${w.kind}/${w.metadata.name}`;
    const containers = w.spec?.template?.spec.containers ?? [];
    const pixelflow = containers.some(runsPixelflow);
    for (const c of containers) {
      const cid = `${id} container ${c.name}`;
      const port = c.ports?.find((p) => p.name === 'metrics');
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      if (pixelflow && enabled) {
        if (!port) found.push(`${cid} has no metrics port`);
        else if (env.get('METRICS_PORT') !== String(port.containerPort))
          found.push(
            `${cid}: METRICS_PORT is ${env.get('METRICS_PORT')}, its metrics port ${port.containerPort}`,
          );
        if (env.has('METRICS') && env.get('METRICS') !== 'true')
          found.push(`${cid}: METRICS is ${env.get('METRICS')}`);
        continue;
      }
      if (port)
        found.push(
          `${cid} has a metrics port, ${pixelflow ? 'while metrics are off' : 'yet is no Pixelflow process'}`,
        );
      if (env.has('METRICS_PORT')) found.push(`${cid} has METRICS_PORT`);
      if (pixelflow && env.get('METRICS') !== 'false')
        found.push(`${cid}: metrics are off, yet METRICS is ${env.get('METRICS')}`);
    }
    for (const s of services.filter((s) =>
      matches(s.spec?.selector as Labels, w.spec?.template?.metadata.labels),
    )) {
      const port = metricsPort(s);
      if (Boolean(port) !== (pixelflow && enabled))
        found.push(`Service/${s.metadata.name} ${port ? 'has' : 'lacks'} a metrics port`);
      if (port && port.targetPort !== 'metrics')
        found.push(
          `Service/${s.metadata.name}: its metrics port targets ${port.targetPort}, not the container's metrics port`,
        );
    }
  }
  for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
    for (const path of (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? [])) {
      const backend = path.backend.service;
      const target = services.find((s) => s.metadata.name === backend?.name);
      const port = target && metricsPort(target);
      if (port && (backend?.port.name === 'metrics' || backend?.port.number === port.port))
        found.push(
          `Ingress/${ingress.metadata.name} routes ${path.path} to the metrics port of ${backend?.name}`,
        );
    }
  }
  const exporting = services.filter((s) => metricsPort(s)).map((s) => s.metadata.name);
  for (const monitor of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const id = `ServiceMonitor/${monitor.metadata.name}`;
    if (!enabled) found.push(`${id} is rendered while metrics are off`);
    if (monitor.apiVersion !== 'monitoring.coreos.com/v1') found.push(`${id} is ${monitor.apiVersion}`);
    const selector = (monitor.spec?.selector as { matchLabels?: Labels } | undefined)?.matchLabels;
    // Another release's Services in the namespace would carry the same labels but this one.
    if (!selector?.['app.kubernetes.io/instance'])
      found.push(`${id} does not select by the release's instance`);
    const selected = services.filter((s) => matches(selector, s.metadata.labels));
    const names = selected.map((s) => s.metadata.name);
    if (names.sort().join(',') !== exporting.sort().join(','))
      found.push(`${id} selects ${names.join(', ') || 'nothing'}, not the Services with a metrics port`);
    if (!monitor.spec?.endpoints?.length) found.push(`${id} has no endpoint`);
    for (const endpoint of monitor.spec?.endpoints ?? []) {
      for (const s of selected) {
        if (!s.spec?.ports?.some((p) => p.name === endpoint.port))
          found.push(`${id}: Service/${s.metadata.name} has no port named ${endpoint.port}`);
      }
      if (endpoint.path !== '/metrics') found.push(`${id} scrapes ${endpoint.path}, not /metrics`);
      // Else the operator's `service` target label (the Kubernetes Service) displaces the processes' own.
      if (endpoint.honorLabels !== true) found.push(`${id} does not honour the processes' labels`);
    }
  }
  for (const map of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const [key, text] of Object.entries(map.data ?? {})) {
      if (!key.endsWith('.json')) continue;
      const id = `ConfigMap/${map.metadata.name} ${key}`;
      if (!enabled) found.push(`${id}: a dashboard while metrics are off`);
      try {
        const dashboard = JSON.parse(text) as { uid?: unknown; panels?: unknown };
        if (
          typeof dashboard.uid !== 'string' ||
          !Array.isArray(dashboard.panels) ||
          dashboard.panels.length === 0
        )
          found.push(`${id} is no Grafana dashboard (uid and panels)`);
      } catch (error) {
        found.push(`${id} is no JSON: ${(error as Error).message}`);
      }
    }
  }
  return found;
}

/** The tracing env the chart sets (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT it refuses in env). */
const tracingVariables = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_EXPORTER_OTLP_HEADERS',
];

/**
 * OpenTelemetry traces. While tracing is on, every container of a Pixelflow workload carries the
 * collector's base URL (http or https, without /v1/traces, which the processes append), the sampler
 * and its ratio as the values give them, and the headers (from tracing.headers, or from a Secret
 * through env); no other container (the web app, the datastores, extraConverters, the helm test
 * pod) carries any of them, nor does any container while tracing is off.
 */
function checkTracing(objects: Manifest[], expect: Expectations): string[] {
  const found: string[] = [];
  const tracing = expect.tracing;
  const pods = objects.flatMap(
    (o): Array<{ id: string; spec: Partial<PodSpec> | undefined }> =>
      o.kind === 'Pod'
        ? [{ id: `Pod/${o.metadata.name}`, spec: o.spec as Partial<PodSpec> }]
        : o.kind === 'Deployment' || o.kind === 'StatefulSet'
          ? [{ id: `${o.kind}/${o.metadata.name}`, spec: o.spec?.template?.spec }]
          : [],
  );
  for (const { id, spec } of pods) {
    const containers = spec?.containers ?? [];
    const pixelflow = containers.some(runsPixelflow);
    for (const c of containers) {
      const cid = `${id} container ${c.name}`;
      const env = new Map((c.env ?? []).map((e) => [e.name, e]));
      const value = (name: string) => env.get(name)?.value;
      if (pixelflow && tracing) {
        const endpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
        if (endpoint !== tracing.endpoint)
          found.push(`${cid}: OTEL_EXPORTER_OTLP_ENDPOINT is ${endpoint}, not ${tracing.endpoint}`);
        else if (!/^https?:\/\/[^/]+/.test(endpoint) || /\/v1\/traces\/?$/.test(endpoint))
          found.push(`${cid}: OTEL_EXPORTER_OTLP_ENDPOINT ${endpoint} is no collector base URL`);
        if (env.has('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'))
          found.push(`${cid}: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT overrides the collector's URL`);
        if (value('OTEL_TRACES_SAMPLER') !== tracing.sampler)
          found.push(
            `${cid}: OTEL_TRACES_SAMPLER is ${value('OTEL_TRACES_SAMPLER')}, not ${tracing.sampler}`,
          );
        if (value('OTEL_TRACES_SAMPLER_ARG') !== tracing.ratio)
          found.push(
            `${cid}: OTEL_TRACES_SAMPLER_ARG is ${value('OTEL_TRACES_SAMPLER_ARG')}, not ${tracing.ratio}`,
          );
        const headers = env.get('OTEL_EXPORTER_OTLP_HEADERS');
        if (typeof tracing.headers === 'object') {
          if (headers?.valueFrom?.secretKeyRef?.name !== tracing.headers.secret)
            found.push(
              `${cid}: OTEL_EXPORTER_OTLP_HEADERS does not come from Secret ${tracing.headers.secret}`,
            );
        } else if (headers ? headers.value !== tracing.headers : tracing.headers !== undefined)
          found.push(`${cid}: OTEL_EXPORTER_OTLP_HEADERS is ${headers?.value}, not ${tracing.headers}`);
        continue;
      }
      for (const name of tracingVariables) {
        // The headers a user gives every workload through defaults.env land on the others too.
        if (name === 'OTEL_EXPORTER_OTLP_HEADERS' && typeof tracing?.headers === 'object') continue;
        if (env.has(name))
          found.push(
            `${cid} has ${name}, ${pixelflow ? 'while tracing is off' : 'yet is no Pixelflow process'}`,
          );
      }
    }
  }
  return found;
}

/** A Kubernetes quantity as a number (cores, bytes). */
function quantity(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(value ?? '0'));
  const units: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  const unit = units[match?.[2] ?? 'x'];
  if (!match || unit === undefined) throw new Error(`not a quantity the checks know: ${value}`);
  return Number(match[1]) * unit;
}

/** The pods a render starts (at their autoscalers' minimum) and the CPU and memory they request. */
function footprint(objects: Manifest[]): { pods: number; cpu: number; memory: number } {
  const minimum = new Map<string | undefined, number | undefined>([
    ...objects
      .filter((o) => o.kind === 'HorizontalPodAutoscaler')
      .map((h) => [h.spec?.scaleTargetRef?.name, h.spec?.minReplicas] as const),
    ...objects
      .filter((o) => o.kind === 'ScaledObject')
      .map((s) => [s.spec?.scaleTargetRef?.name, s.spec?.minReplicaCount] as const),
  ]);
  let pods = 0;
  let cpu = 0;
  let memory = 0;
  for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const replicas = minimum.get(w.metadata.name) ?? w.spec?.replicas ?? 1;
    pods += replicas;
    for (const c of w.spec?.template?.spec.containers ?? []) {
      cpu += replicas * quantity(c.resources?.requests?.cpu ?? 0);
      memory += replicas * quantity(c.resources?.requests?.memory ?? 0);
    }
  }
  return { pods, cpu, memory };
}
const describeFootprint = ({ pods, cpu, memory }: ReturnType<typeof footprint>) =>
  `${pods} pods requesting ${Number(cpu.toFixed(3))} CPU and ${(memory / 2 ** 30).toFixed(2)} GiB of memory`;

// --- 4. cases -------------------------------------------------------------------------------------

const secret = ['--set', 'internalSecret.value=check-helm-0123456789abcdef0123456789'];
const redisUrl = ['--set', 'redis.url=redis://redis.example:6379/0'];
const postgresUrl = ['--set', 'postgres.url=postgres://pixelflow:secret@postgres.example:5432/pixelflow'];
/** What every render needs. */
const required = [...secret, ...redisUrl, ...postgresUrl];

interface RenderCase {
  name: string;
  args: string[];
  expect: Expectations;
  /** How many of each kind the render must hold. */
  kinds: Record<string, number>;
}
const cases: RenderCase[] = [
  {
    // gateway, auth, gallery, jobs, conversion, 12 sharp converters, DeepDream, upscale, the web app.
    name: 'defaults',
    args: required,
    expect: { externalSecrets: [], trustProxy: 'false' },
    kinds: {
      Deployment: 20,
      Service: 20,
      PodDisruptionBudget: 20,
      Secret: 1,
      ServiceAccount: 1,
      StatefulSet: 0,
      NetworkPolicy: 20,
      Pod: 1,
      ScaledObject: 0,
      ServiceMonitor: 0,
      ConfigMap: 0,
    },
  },
  {
    // The defaults with the ServiceMonitor and the dashboard, metrics on another port, reachable
    // only from a Prometheus in another namespace and from vmagent pods of any namespace.
    name: 'monitoring',
    args: ['-f', join(chart, 'ci/monitoring-values.yaml'), ...required],
    expect: {
      externalSecrets: [],
      trustProxy: 'false',
      metricsFrom: (
        parse(readFileSync(join(chart, 'ci/monitoring-values.yaml'), 'utf8')) as { metrics: { from: Peer[] } }
      ).metrics.from,
    },
    kinds: { Deployment: 20, Service: 20, NetworkPolicy: 20, ServiceMonitor: 1, ConfigMap: 1 },
  },
  {
    // Metrics off: neither port nor ServiceMonitor nor dashboard, though those two are asked for.
    name: 'metrics-off',
    args: [
      ...required,
      '--set',
      'metrics.enabled=false,metrics.serviceMonitor.enabled=true,metrics.dashboard.enabled=true',
    ],
    expect: { externalSecrets: [], trustProxy: 'false', metrics: false },
    kinds: { Deployment: 20, Service: 20, NetworkPolicy: 20, ServiceMonitor: 0, ConfigMap: 0 },
  },
  {
    // Tracing to a collector in another namespace, the only destination open on its port, with a
    // header to percent-encode; an extra converter of its own image (no tracing env) and one elsewhere.
    name: 'tracing',
    args: ['-f', join(chart, 'ci/tracing-values.yaml'), ...required],
    expect: {
      externalSecrets: [],
      trustProxy: 'false',
      tracing: {
        endpoint: 'http://otel-collector.observability:4318',
        sampler: 'parentbased_traceidratio',
        ratio: '0.25',
        headers: 'X-Scope-OrgID=team%20a%2Cb',
        to: (
          parse(readFileSync(join(chart, 'ci/tracing-values.yaml'), 'utf8')) as { tracing: { to: Peer[] } }
        ).tracing.to,
      },
    },
    kinds: { Deployment: 21, Service: 21, NetworkPolicy: 21, Pod: 1 },
  },
  {
    // 5 services, the web app, 3 converters, DeepDream (autoscaled) and an upscale of its own image
    // deployed; Services for those, Redis and PostgreSQL.
    name: 'full',
    args: ['-f', join(chart, 'ci/full-values.yaml')],
    expect: {
      externalSecrets: ['pixelflow-internal'],
      singleReplica: ['converter-flip'],
      trustProxy: 'true',
      tracing: { endpoint: 'https://otlp.example.com', sampler: 'always_on', ratio: '1' },
    },
    kinds: {
      Deployment: 11,
      Service: 13,
      PodDisruptionBudget: 10,
      HorizontalPodAutoscaler: 5,
      Ingress: 1,
      StatefulSet: 2,
      Secret: 1,
      NetworkPolicy: 13,
    },
  },
  {
    name: 'existing-secrets',
    args: ['-f', join(chart, 'ci/existing-secrets-values.yaml')],
    expect: {
      externalSecrets: ['pixelflow-internal', 'pixelflow-redis', 'pixelflow-postgres', 'pixelflow-otlp'],
      topologySpread: false,
      trustProxy: '10.244.0.0/16,10.245.0.0/16',
      networkPolicy: false,
      tracing: {
        endpoint: 'http://otel-collector.observability.svc.cluster.local:4318',
        sampler: 'parentbased_traceidratio',
        ratio: '0.1',
        headers: { secret: 'pixelflow-otlp' },
      },
    },
    kinds: {
      Deployment: 7,
      Service: 7,
      PodDisruptionBudget: 0,
      Secret: 0,
      ServiceAccount: 0,
      NetworkPolicy: 0,
    },
  },
  {
    // Single replicas: no disruption budget; KEDA on the bundled Redis, which needs no password.
    // Secret: internal secret, Redis URL, PostgreSQL's password and its URL.
    name: 'bundled',
    args: ['-f', join(chart, 'ci/bundled-values.yaml'), ...secret],
    expect: {
      externalSecrets: [],
      singleReplica: [
        'gateway',
        'auth',
        'gallery',
        'jobs',
        'conversion',
        'converter-grayscale',
        'converter-flip',
        'converter-deepdream',
        'converter-upscale',
        'web',
      ],
      trustProxy: 'false',
    },
    kinds: {
      Deployment: 10,
      Service: 12,
      PodDisruptionBudget: 0,
      StatefulSet: 2,
      Secret: 1,
      NetworkPolicy: 12,
      ScaledObject: 1,
      TriggerAuthentication: 0,
    },
  },
  {
    // The small profile: the five services, the sharp converters in one Deployment, DeepDream,
    // upscale and the web app, once each, beside the bundled Redis and PostgreSQL.
    name: 'small',
    args: ['-f', join(chart, 'values-small.yaml'), ...secret],
    expect: {
      externalSecrets: [],
      singleReplica: [
        'gateway',
        'auth',
        'gallery',
        'jobs',
        'conversion',
        'converter-sharp',
        'converter-deepdream',
        'converter-upscale',
        'web',
      ],
      trustProxy: 'false',
    },
    kinds: {
      Deployment: 9,
      Service: 11,
      StatefulSet: 2,
      PodDisruptionBudget: 0,
      HorizontalPodAutoscaler: 0,
      NetworkPolicy: 11,
      Pod: 1,
    },
  },
  {
    // KEDA in place of the conversion HPA, on an external Redis with a password; grouped
    // converters; NetworkPolicies narrowed to the ingress controller, kube-dns and given peers.
    name: 'keda',
    args: ['-f', join(chart, 'ci/keda-values.yaml'), ...secret],
    expect: { externalSecrets: [], trustProxy: 'false' },
    kinds: {
      Deployment: 7,
      Service: 7,
      PodDisruptionBudget: 7,
      HorizontalPodAutoscaler: 0,
      ScaledObject: 1,
      TriggerAuthentication: 1,
      NetworkPolicy: 7,
      Pod: 1,
    },
  },
];

/**
 * values.schema.json itself: every object schema that names its properties refuses others (a
 * misspelt key fails), and each block that takes the workload settings (allOf the workload
 * definition) admits exactly those keys besides its own (draft-07 has no unevaluatedProperties:
 * the block lists them in patternProperties).
 */
function checkSchema(): string[] {
  const found: string[] = [];
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as Schema;
  const workload = (schema.definitions as Schema).workload as Schema;
  const workloadKeys = `^(${Object.keys(workload.properties as Schema).join('|')})$`;
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${path}/${i}`);
    }
    if (!isObject(node)) return;
    const takesWorkload =
      Array.isArray(node.allOf) && node.allOf.some((s) => isObject(s) && s.$ref === '#/definitions/workload');
    if (takesWorkload && !(isObject(node.patternProperties) && workloadKeys in node.patternProperties))
      found.push(
        `${path} takes the workload settings but does not admit exactly their keys (${workloadKeys})`,
      );
    if (
      (takesWorkload || isObject(node.properties)) &&
      node !== workload &&
      node.additionalProperties !== false
    )
      found.push(`${path} names its properties yet admits any other key`);
    for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
  };
  walk(schema, '#');
  return found;
}

/** Kinds of KEDA (CRDs): kubeconform has no schema for them. */
const kedaKinds = ['ScaledObject', 'TriggerAuthentication'];
/** The Prometheus Operator's kind (a CRD too). */
const monitoringKinds = ['ServiceMonitor'];

/** The two profiles the chart ships, measured for the README and the issue's closing note. */
const profiles = [
  {
    name: 'default (values.yaml, with the bundled PostgreSQL and Redis)',
    args: [...secret, '--set', 'redis.enabled=true,postgres.enabled=true'],
  },
  { name: 'small (values-small.yaml)', args: ['-f', join(chart, 'values-small.yaml'), ...secret] },
];
/** What the small profile may request: a 2-CPU node keeps room for its system pods. */
const smallNode = { cpu: 1.5, memory: 3 * 2 ** 30 };

/** Renders that must fail, and a piece of the message they must fail with. */
const refusals: Array<{ name: string; args: string[]; message: string }> = [
  {
    name: 'no INTERNAL_SECRET',
    args: [...redisUrl, ...postgresUrl],
    message: 'internalSecret: set internalSecret.value',
  },
  {
    name: 'short INTERNAL_SECRET',
    args: ['--set', 'internalSecret.value=too-short', ...redisUrl, ...postgresUrl],
    message: 'at least 32 characters',
  },
  { name: 'no Redis', args: [...secret, ...postgresUrl], message: 'redis: set redis.url' },
  { name: 'no PostgreSQL', args: [...secret, ...redisUrl], message: 'postgres: set postgres.url' },
  {
    name: 'a PostgreSQL URL of another scheme',
    args: [...secret, ...redisUrl, '--set', 'postgres.url=mysql://db.example/pixelflow'],
    message: 'postgres.url must start with postgres:// or postgresql://',
  },
  {
    name: 'the bundled PostgreSQL and a URL',
    args: [...required, '--set', 'postgres.enabled=true'],
    message: 'postgres.enabled deploys a bundled PostgreSQL',
  },
  {
    name: 'a bundled PostgreSQL role that needs quoting',
    args: [...secret, ...redisUrl, '--set', 'postgres.enabled=true,postgres.username=Pixel-Flow'],
    message: 'postgres.username must be a plain PostgreSQL name',
  },
  {
    name: 'a converter id twice',
    args: [...required, '--set', 'extraConverters[0].id=flip,extraConverters[0].url=http://x:1'],
    message: 'converter id "flip" is listed twice',
  },
  {
    name: 'an extra converter with the id of an enabled AI converter',
    args: [...required, '--set', 'extraConverters[0].id=deepdream,extraConverters[0].url=http://x:1'],
    message: 'converter id "deepdream" is listed twice',
  },
  {
    name: 'a public URL without scheme',
    args: [...required, '--set', 'config.publicUrl=images.example.com'],
    message: 'config.publicUrl must start with http:// or https://',
  },
  {
    name: 'an extra converter with neither url nor image',
    args: [...required, '--set', 'extraConverters[0].id=colorize'],
    message: 'give either url',
  },
  // The schema (values.schema.json), before any template runs.
  {
    name: 'a word for a replica count',
    args: [...required, '--set', 'defaults.replicas=two'],
    message: "at '/defaults/replicas': got string, want integer",
  },
  {
    name: 'a negative replica count',
    args: [...required, '--set', 'gateway.replicas=-1'],
    message: "at '/gateway/replicas': minimum: got -1, want 1",
  },
  {
    name: 'a misspelt key',
    args: [...required, '--set', 'gateway.replcas=3'],
    message: "at '/gateway': additional properties 'replcas' not allowed",
  },
  {
    name: 'a key the chart does not know at the top',
    args: [...required, '--set', 'replicas=3'],
    message: "additional properties 'replicas' not allowed",
  },
  {
    name: 'a log level that does not exist',
    args: [...required, '--set', 'config.logLevel=verbose'],
    message: "at '/config/logLevel': value must be one of 'fatal', 'error', 'warn', 'info'",
  },
  {
    name: 'a converter layout that does not exist',
    args: [...required, '--set', 'converterDeployment=together'],
    message: "at '/converterDeployment': value must be one of 'perConverter', 'grouped'",
  },
  {
    name: 'a port out of range',
    args: [...required, '--set', 'jobs.port=70000'],
    message: "at '/jobs/port': maximum: got 70,000, want 65,535",
  },
  {
    name: 'a memory request that is no quantity',
    args: [...required, '--set', 'auth.resources.requests.memory=lots'],
    message: "at '/auth/resources/requests/memory': 'lots' does not match pattern",
  },
  {
    name: 'a rollout that could never start a pod',
    args: [...required, '--set', 'defaults.maxSurge=0'],
    message: "at '/defaults/maxSurge': minimum: got 0, want 1",
  },
  {
    name: 'a string for a switch',
    args: [...required, '--set', 'networkPolicy.enabled=yes'],
    message: "at '/networkPolicy/enabled': got string, want boolean",
  },
  {
    name: 'metrics on port 0',
    args: [...required, '--set', 'metrics.port=0'],
    message: "at '/metrics/port': minimum: got 0, want 1",
  },
  {
    name: 'a scrape interval without its unit',
    args: [...required, '--set', 'metrics.serviceMonitor.interval=5'],
    message: "at '/metrics/serviceMonitor/interval': got number, want string",
  },
  {
    name: 'a scrape timeout that is no Prometheus duration',
    args: [...required, '--set', 'metrics.serviceMonitor.scrapeTimeout=10 seconds'],
    message: "at '/metrics/serviceMonitor/scrapeTimeout': '10 seconds' does not match pattern",
  },
  {
    name: 'a number for a label of the dashboard',
    args: [...required, '--set', 'metrics.dashboard.labels.grafana_dashboard=1'],
    message: "at '/metrics/dashboard/labels/grafana_dashboard': got number, want string",
  },
  {
    name: 'a tracing endpoint without its scheme',
    args: [...required, '--set', 'tracing.endpoint=otel-collector.observability:4318'],
    message: "at '/tracing/endpoint': 'otel-collector.observability:4318' does not match pattern",
  },
  {
    name: 'a sampler that does not exist',
    args: [...required, '--set', 'tracing.sampler=sometimes'],
    message: "at '/tracing/sampler': value must be one of 'always_on', 'always_off', 'traceidratio'",
  },
  {
    name: 'a sampling ratio above 1',
    args: [...required, '--set', 'tracing.ratio=2'],
    message: "at '/tracing/ratio': maximum: got 2, want 1",
  },
  {
    // --set passes a fraction as a string: the schema takes 0.05 so, and refuses 1.5.
    name: 'a sampling ratio above 1, as --set passes it',
    args: [...required, '--set', 'tracing.ratio=1.5'],
    message: "at '/tracing/ratio': '1.5' does not match pattern",
  },
  {
    name: 'a number for a header of the collector',
    args: [...required, '--set', 'tracing.headers.X-Scope-OrgID=42'],
    message: "at '/tracing/headers/X-Scope-OrgID': got number, want string",
  },
  // Checks of the templates.
  {
    name: 'settings on one converter while they are grouped',
    args: [
      ...required,
      '--set',
      'converterDeployment=grouped,converters[0].id=flip,converters[0].replicas=3',
    ],
    message:
      'converters "flip": with converterDeployment=grouped one Deployment serves every sharp converter',
  },
  {
    name: 'KEDA with a Redis URL the chart cannot read',
    args: [
      ...secret,
      ...postgresUrl,
      '--set',
      'redis.existingSecret=pixelflow-redis,conversion.keda.enabled=true',
    ],
    message: 'conversion.keda.enabled with redis.existingSecret: KEDA cannot read the Redis URL',
  },
  {
    name: 'metrics on the port of a service',
    args: [...required, '--set', 'metrics.port=4000'],
    message: 'pixelflow-gateway: metrics.port (4000) is also its own port',
  },
  {
    name: "a service's METRICS_PORT besides metrics.port",
    args: [...required, '--set', 'jobs.env.METRICS_PORT=9100'],
    message: 'pixelflow-jobs: env.METRICS_PORT is the chart',
  },
  {
    name: 'tracing without a collector',
    args: [...required, '--set', 'tracing.enabled=true'],
    message: 'tracing.enabled: set tracing.endpoint',
  },
  {
    name: "a tracing endpoint that ends in the traces' path",
    args: [...required, '--set', 'tracing.enabled=true,tracing.endpoint=http://otel.example:4318/v1/traces'],
    message: 'the processes append /v1/traces themselves, so give "http://otel.example:4318"',
  },
  {
    name: "a service's sampler besides tracing.sampler",
    args: [...required, '--set', 'jobs.env.OTEL_TRACES_SAMPLER=always_on'],
    message: 'pixelflow-jobs: env.OTEL_TRACES_SAMPLER is the chart',
  },
  {
    name: "a converter's collector besides tracing.endpoint",
    args: [
      ...required,
      '--set',
      'aiConverters.defaults.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://x.example',
    ],
    message: 'env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the chart',
  },
  {
    name: "the collector's headers in tracing.headers and in env",
    args: [
      ...required,
      '--set',
      'tracing.enabled=true,tracing.endpoint=http://otel.example:4318,tracing.headers.a=b',
      '--set',
      'gateway.env.OTEL_EXPORTER_OTLP_HEADERS=a=c',
    ],
    message:
      "pixelflow-gateway: env.OTEL_EXPORTER_OTLP_HEADERS and tracing.headers both give the collector's headers",
  },
  {
    name: 'an HPA whose minimum is above its maximum',
    args: [...required, '--set', 'gallery.autoscaling.enabled=true,gallery.autoscaling.minReplicas=12'],
    message: 'autoscaling.minReplicas (12) is above autoscaling.maxReplicas (10)',
  },
];

/** Schemas that let this through would be too lax: an unknown field, a string count, no port. */
const brokenDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  replicas: two
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: x
          image: x:1
          livenessProbe: {httpGet: {path: /healthz, prot: http}}
`;

function main(): void {
  ensureTools();
  const helm = join(bin, 'helm');
  const kubeconform = join(bin, 'kubeconform');
  const schemaRoots = kubernetesVersions.map((version) => ({ version, dir: ensureSchemas(version) }));
  const renders = join(testEnv, 'helm-renders');
  mkdirSync(renders, { recursive: true });

  for (const { version, dir } of schemaRoots) {
    const file = join(renders, 'broken-deployment.yaml');
    writeFileSync(file, brokenDeployment);
    const args = ['-strict', '-kubernetes-version', version, '-schema-location', dir, file];
    const { code, stdout } = run(kubeconform, args);
    const caught = ["'prot' not allowed", "'port'", 'want integer'].every((part) => stdout.includes(part));
    if (code === 0 || !caught)
      problems.push(`the Kubernetes ${version} schemas let a broken Deployment through`);
    else log(`Kubernetes ${version} schemas refuse a broken Deployment: ok`);
  }

  for (const c of cases) {
    log(`\n== ${c.name}`);
    const lint = run(helm, ['lint', '--strict', chart, '--kube-version', oldest, ...c.args]);
    if (lint.code !== 0) problems.push(`${c.name}: helm lint --strict failed:\n${lint.stdout}${lint.stderr}`);
    else log('helm lint --strict: ok');
    for (const { version, dir } of schemaRoots) {
      const render = run(helm, ['template', 'pixelflow', chart, '--kube-version', version, ...c.args]);
      if (render.code !== 0) {
        problems.push(`${c.name}: helm template (Kubernetes ${version}) failed: ${render.stderr}`);
        continue;
      }
      const file = join(renders, `${c.name}-${version}.yaml`);
      writeFileSync(file, render.stdout);
      // KEDA's kinds and the ServiceMonitor are CRDs, which Kubernetes' own OpenAPI document lacks:
      // checkKeda and checkMetrics read them.
      const validation = run(kubeconform, [
        ...['-strict', '-summary', '-kubernetes-version', version, '-schema-location', dir],
        ...['-skip', [...kedaKinds, ...monitoringKinds].join(',')],
        file,
      ]);
      log(`kubeconform, Kubernetes ${version}: ${validation.stdout.trim().split('\n').at(-1)}`);
      if (validation.code !== 0)
        problems.push(`${c.name}: kubeconform (Kubernetes ${version}):\n${validation.stdout}`);
      const documents = parseAllDocuments(render.stdout);
      const objects = documents.map((d) => d.toJS()).filter((o): o is Manifest => o !== null);
      const structure = checkStructure(objects, c.expect);
      structure.push(...documents.flatMap((d) => d.errors.map((error) => `YAML: ${error.message}`)));
      for (const [kind, count] of Object.entries(c.kinds)) {
        const actual = objects.filter((o) => o.kind === kind).length;
        if (actual !== count) structure.push(`${count} ${kind} expected, ${actual} rendered`);
      }
      problems.push(...structure.map((p) => `${c.name} (Kubernetes ${version}): ${p}`));
      log(
        `structure, ${objects.length} objects: ${structure.length === 0 ? 'ok' : `${structure.length} problems`}`,
      );
      if (version === oldest) log(`footprint: ${describeFootprint(footprint(objects))}`);
    }
  }

  log('\n== profiles: the pods each starts and the CPU and memory they request (helm test pods aside)');
  for (const profile of profiles) {
    const render = run(helm, ['template', 'pixelflow', chart, '--kube-version', oldest, ...profile.args]);
    if (render.code !== 0) {
      problems.push(`profile ${profile.name}: helm template failed: ${render.stderr}`);
      continue;
    }
    const objects = parseAllDocuments(render.stdout).map((d) => d.toJS() as Manifest);
    const measured = footprint(objects.filter((o) => o !== null));
    log(`${profile.name}: ${describeFootprint(measured)}`);
    if (
      profile.name.startsWith('small') &&
      (measured.cpu > smallNode.cpu || measured.memory > smallNode.memory)
    )
      problems.push(
        `the small profile requests more than a 2-CPU node spares (${smallNode.cpu} CPU, ${smallNode.memory / 2 ** 30} GiB)`,
      );
  }

  log('\n== values.schema.json');
  const schemaProblems = checkSchema();
  problems.push(...schemaProblems.map((p) => `values.schema.json: ${p}`));
  log(
    schemaProblems.length === 0
      ? 'closed where the values are, workload blocks in step: ok'
      : `${schemaProblems.length} problems`,
  );

  log('\n== README.md');
  const readme = join(chart, 'README.md');
  if ((existsSync(readme) ? readFileSync(readme, 'utf8') : '') !== chartReadme())
    problems.push(
      'helm/pixelflow/README.md is not what values.yaml makes: run `pnpm chart:readme` and commit it',
    );
  else log('generated from values.yaml, up to date: ok');

  log('\n== renders that must fail');
  for (const refusal of refusals) {
    const render = run(helm, ['template', 'pixelflow', chart, '--kube-version', oldest, ...refusal.args]);
    const ok = render.code !== 0 && render.stderr.includes(refusal.message);
    log(`${ok ? 'ok' : 'NOT REFUSED'}: ${refusal.name}`);
    if (!ok)
      problems.push(
        `${refusal.name}: expected a failure saying "${refusal.message}", got: ${render.stderr || 'success'}`,
      );
  }

  if (problems.length > 0) {
    process.stderr.write(
      `\ncheck:helm found ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  log('\ncheck:helm: chart lints, renders, validates and is wired as expected');
}

main();

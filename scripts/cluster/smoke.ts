/**
 * The smoke check of the local cluster: a pod resolves a Service's name through CoreDNS and reaches
 * a second pod through its ClusterIP; a tiny throwaway chart is installed with `helm install --wait`
 * and uninstalled, leaving nothing behind. Images: busybox from Debian's busybox-static in a
 * FROM-scratch OCI tarball, imported with ctr.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxImageTar, ensureHelm, ensureImages } from './build.ts';
import { busyboxImage, clusterDomain } from './config.ts';
import { helm, kubectl, loadImageTar } from './k8s.ts';
import { log, type RunResult, seconds, waitFor } from './util.ts';

// A new name each run: CoreDNS caches answers for 30 s, a Service made again gets a new address.
const suffix = Math.random().toString(36).slice(2, 7);
const namespace = `pixelflow-smoke-${suffix}`;
const helmNamespace = `pixelflow-smoke-helm-${suffix}`;
const release = 'smoke-chart';
const body = 'pixelflow-smoke-ok';

function ok(result: RunResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} failed:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

const securityContext = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/** A busybox web server answering `body` on port 8080. */
const webContainer = {
  name: 'web',
  image: busyboxImage,
  imagePullPolicy: 'Never',
  command: [
    'sh',
    '-c',
    `mkdir -p /tmp/www && echo ${body} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`,
  ],
  ports: [{ name: 'http', containerPort: 8080 }],
  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
  securityContext,
  resources: { requests: { cpu: '10m', memory: '8Mi' }, limits: { memory: '32Mi' } },
};

function manifests(): string {
  const labels = { app: 'smoke-web' };
  const client = `set -e
out=$(nslookup -type=a smoke-web.${namespace}.svc.${clusterDomain})
echo "$out"
ip=$(echo "$out" | awk '/^Name:/ {n=1} n && /^Address/ {print $2; exit}')
echo "resolved $ip"
# busybox-static's wget crashes in a FROM-scratch image (glibc's NSS); nc does not.
echo "body $(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 "$ip" 80 | tail -n 1)"`;
  const objects = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smoke-web', namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [webContainer], terminationGracePeriodSeconds: 1 },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'smoke-web', namespace },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'smoke-client', namespace },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'client',
            image: busyboxImage,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', client],
            securityContext,
          },
        ],
      },
    },
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

/** A pod reaches another through a ClusterIP Service whose name CoreDNS resolves. */
async function podToService(): Promise<void> {
  const started = Date.now();
  kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=60s']);
  ok(kubectl(['create', 'namespace', namespace]), 'kubectl create namespace');
  await waitFor(
    `the default service account of ${namespace}`,
    () => kubectl(['get', 'serviceaccount', 'default', '-n', namespace]).code === 0,
    30_000,
  );
  const work = mkdtempSync(join(tmpdir(), 'pixelflow-smoke-'));
  try {
    const file = join(work, 'smoke.json');
    writeFileSync(file, manifests());
    ok(kubectl(['apply', '-f', file]), 'kubectl apply');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  ok(
    kubectl(['rollout', 'status', 'deployment/smoke-web', '-n', namespace, '--timeout=120s']),
    'the smoke-web Deployment rolling out',
  );
  const clusterIp = ok(
    kubectl(['get', 'service', 'smoke-web', '-n', namespace, '-o', 'jsonpath={.spec.clusterIP}']),
    'kubectl get service',
  ).trim();
  const phase = await waitFor(
    'the smoke-client pod finishing',
    () => {
      const result = kubectl([
        'get',
        'pod',
        'smoke-client',
        '-n',
        namespace,
        '-o',
        'jsonpath={.status.phase}',
      ]);
      const value = result.stdout.trim();
      return value === 'Succeeded' || value === 'Failed' ? value : false;
    },
    120_000,
    500,
  );
  const logs = kubectl(['logs', 'smoke-client', '-n', namespace]).stdout;
  if (phase !== 'Succeeded' || !logs.includes(`resolved ${clusterIp}`) || !logs.includes(`body ${body}`)) {
    const describe = kubectl(['describe', 'pod', 'smoke-client', '-n', namespace]).stdout;
    throw new Error(
      `the smoke client did not reach smoke-web (${clusterIp}) by name: ${phase}\n${logs}\n${describe}`,
    );
  }
  log(`  pod → CoreDNS → Service ${clusterIp} → pod: ok (${seconds(started)})`);
  ok(
    kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=120s']),
    `kubectl delete namespace ${namespace}`,
  );
}

/** A throwaway chart (Deployment + Service) installed with --wait, then uninstalled. */
async function helmRelease(): Promise<void> {
  ensureHelm();
  const started = Date.now();
  const chart = mkdtempSync(join(tmpdir(), 'pixelflow-smoke-chart-'));
  try {
    mkdirSync(join(chart, 'templates'));
    writeFileSync(
      join(chart, 'Chart.yaml'),
      'apiVersion: v2\nname: pixelflow-smoke\nversion: 0.1.0\ndescription: throwaway chart of the cluster smoke check\n',
    );
    const labels = {
      'app.kubernetes.io/name': 'pixelflow-smoke',
      'app.kubernetes.io/instance': '{{ .Release.Name }}',
    };
    // JSON is YAML: the templates are written as JSON with {{ }} inside its strings.
    writeFileSync(
      join(chart, 'templates', 'deployment.yaml'),
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: '{{ .Release.Name }}', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [webContainer], terminationGracePeriodSeconds: 1 },
          },
        },
      }),
    );
    writeFileSync(
      join(chart, 'templates', 'service.yaml'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: '{{ .Release.Name }}', labels },
        spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      }),
    );
    kubectl(['delete', 'namespace', helmNamespace, '--ignore-not-found', '--wait=true', '--timeout=60s']);
    ok(
      helm(['install', release, chart, '-n', helmNamespace, '--create-namespace', '--wait', '--timeout=3m']),
      'helm install --wait',
    );
    const ready = ok(
      kubectl(['get', 'deployment', release, '-n', helmNamespace, '-o', 'jsonpath={.status.readyReplicas}']),
      'kubectl get deployment',
    ).trim();
    if (ready !== '2') throw new Error(`helm install --wait returned with ${ready || 0} of 2 replicas ready`);
    log(`  helm install --wait: 2 of 2 ready (${seconds(started)})`);
    const uninstalled = Date.now();
    ok(helm(['uninstall', release, '-n', helmNamespace, '--wait', '--timeout=2m']), 'helm uninstall --wait');
    const selector = `app.kubernetes.io/instance=${release}`;
    const left = await waitFor(
      'the release’s objects gone',
      () => {
        const result = kubectl([
          'get',
          'deployments,replicasets,pods,services,endpointslices',
          '-n',
          helmNamespace,
          '-l',
          selector,
          '-o',
          'name',
        ]);
        return result.code === 0 && result.stdout.trim() === '' ? 'none' : false;
      },
      60_000,
      500,
    );
    const releases = ok(helm(['list', '-a', '-q', '-n', helmNamespace]), 'helm list').trim();
    const secrets = ok(
      kubectl(['get', 'secrets', '-n', helmNamespace, '-l', 'owner=helm', '-o', 'name']),
      'kubectl get secrets',
    ).trim();
    if (releases !== '' || secrets !== '') {
      throw new Error(`helm uninstall left the release behind: ${releases} ${secrets}`);
    }
    log(`  helm uninstall --wait: ${left} left (${seconds(uninstalled)})`);
    ok(
      kubectl(['delete', 'namespace', helmNamespace, '--wait=true', '--timeout=120s']),
      `kubectl delete namespace ${helmNamespace}`,
    );
  } finally {
    rmSync(chart, { recursive: true, force: true });
  }
}

export async function smoke(): Promise<void> {
  const started = Date.now();
  log('smoke check:');
  ensureImages();
  loadImageTar(busyboxImageTar());
  await podToService();
  await helmRelease();
  log(`smoke check passed (${seconds(started)})`);
}

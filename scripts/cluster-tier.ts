/**
 * The cluster tier (`pnpm test:cluster [--keep]`): Pixelflow's Helm chart installed on a real
 * single-node Kubernetes cluster on this machine, and tested from inside the cluster's network.
 *
 *   1. the cluster up (scripts/cluster/k8s.ts: built once, cached; its own network namespace);
 *   2. the images built here and checked (scripts/images.ts, on local bases: no public registry is
 *      reachable), compose.yaml's stack run on them, and the images the release uses loaded into
 *      the cluster's containerd: the services', the web app's, and the local PostgreSQL and Redis
 *      images for the release's own datastores;
 *   3. `helm install --wait` of the small profile (values-small.yaml) with two replicas of every
 *      stateless service (so that a rolling restart has a pod to go to), the AI converters left
 *      out (their image and models would double the tier's time on 2 cores), quotas raised for the
 *      load generator;
 *   4. the tests (vitest.cluster.config.ts, e2e/cluster/*.cluster.ts) inside the namespace, against
 *      the gateway Service;
 *   5. `helm uninstall --wait`, and nothing of the release left in its namespace;
 *   6. the cluster down (unless --keep).
 * Prints each phase's time. Exit code: the tests', or 1 when a phase fails.
 *
 * `--prepare` only builds what the tier needs (Debian's packages, Kubernetes, CoreDNS, helm, the
 * images unchecked, Compose) and starts nothing: `pnpm test` runs it in the background at the
 * lowest CPU priority while the other tiers run, so that a cold machine builds mostly on idle time.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ensureBuilt } from './cluster/build.ts';
import { runPaths } from './cluster/config.ts';
import { down, helm, kubectl, loadDockerImage, spawnInCluster, up } from './cluster/k8s.ts';
import type { RunResult } from './cluster/util.ts';
import { root } from './docker-context.ts';
import { buildImages, ensureCompose, imageName, imageVersion, localServices, type Target } from './images.ts';

const { values: options } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, prepare: { type: 'boolean', default: false } },
});

/**
 * Every image is built and checked (the ai image too, and compose.yaml's stack with its `ai`
 * profile); the release leaves the AI converters out (their models would double the tier's time
 * on 2 cores), so only the runtime and web images go into the cluster.
 */
const TARGETS: Target[] = ['runtime', 'ai', 'web'];

if (options.prepare) {
  ensureBuilt();
  const built = await buildImages({ targets: TARGETS, check: false });
  ensureCompose();
  process.exit(built.failed ? 1 : 0);
}

const RELEASE = 'pixelflow';
const NAMESPACE = 'pixelflow-tier';
const chart = join(root, 'helm/pixelflow');
/**
 * The bundled PostgreSQL's volume: the cluster has no storage provisioner, so a hostPath
 * PersistentVolume (the node is this machine) that its claim binds to, owned by the image's
 * postgres user (999), made afresh each run.
 */
const POSTGRES_VOLUME = 'pixelflow-tier-postgres';
const postgresPath = '/var/lib/pixelflow-tier/postgres';

const timings: Array<[string, number]> = [];
async function phase<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  process.stdout.write(`\n== ${name}\n`);
  try {
    return await work();
  } finally {
    timings.push([name, (performance.now() - start) / 1000]);
  }
}

function must(result: RunResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

const [postgresRepository, postgresTag] = localServices.POSTGRES_IMAGE.split(':') as [string, string];
const [redisRepository, redisTag] = localServices.REDIS_IMAGE.split(':') as [string, string];

/** The release's values beyond values-small.yaml, as --set pairs. */
const settings = [
  `internalSecret.value=${randomBytes(32).toString('hex')}`,
  `image.tag=${imageVersion()}`,
  'image.pullPolicy=Never',
  'web.image.pullPolicy=Never',
  `postgres.image.repository=${postgresRepository}`,
  `postgres.image.tag=${postgresTag}`,
  'postgres.image.pullPolicy=Never',
  `redis.image.repository=${redisRepository}`,
  `redis.image.tag=${redisTag}`,
  'redis.image.pullPolicy=Never',
  // No StorageClass: the claim binds to the PersistentVolume made above.
  'postgres.persistence.storageClass=-',
  'postgres.persistence.size=1Gi',
  'aiConverters.deepdream.enabled=false',
  'aiConverters.upscale.enabled=false',
  'defaults.replicas=2',
  // The load generator converts from one address, far past the quotas meant for people.
  'conversion.env.CONVERT_RATE_ANONYMOUS=100000',
  'conversion.env.MAX_ACTIVE_JOBS_ANONYMOUS=1000',
];

let code = 1;
try {
  await phase('cluster up', () => up());
  await phase('images', () => {
    const built = spawnSync(
      process.execPath,
      [join(root, 'scripts/images.ts'), '--targets', TARGETS.join(','), '--compose'],
      { stdio: 'inherit' },
    );
    if (built.status !== 0) throw new Error('pnpm images failed');
  });
  await phase('images into the cluster', async () => {
    for (const ref of [
      imageName('runtime'),
      imageName('web'),
      localServices.POSTGRES_IMAGE,
      localServices.REDIS_IMAGE,
    ]) {
      await loadDockerImage(ref);
    }
  });
  await phase('a volume for PostgreSQL', () => {
    rmSync(postgresPath, { recursive: true, force: true });
    mkdirSync(postgresPath, { recursive: true });
    chownSync(postgresPath, 999, 999);
    const volume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: POSTGRES_VOLUME },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        hostPath: { path: postgresPath, type: 'Directory' },
      },
    };
    kubectl(['delete', 'persistentvolume', POSTGRES_VOLUME, '--ignore-not-found', '--wait=true']);
    must(kubectl(['apply', '-f', '-'], { input: JSON.stringify(volume) }), 'the PersistentVolume');
  });
  await phase('helm install --wait', () =>
    must(
      helm([
        'upgrade',
        '--install',
        RELEASE,
        chart,
        '--namespace',
        NAMESPACE,
        '--create-namespace',
        '-f',
        join(chart, 'values-small.yaml'),
        ...settings.flatMap((pair) => ['--set', pair]),
        '--wait',
        '--timeout',
        '15m',
      ]),
      'helm install',
    ),
  );
  const service = must(
    kubectl([
      '--namespace',
      NAMESPACE,
      'get',
      'service',
      `${RELEASE}-gateway`,
      '-o',
      'jsonpath={.spec.clusterIP}:{.spec.ports[0].port}',
    ]),
    'the gateway Service',
  );
  // The pods' own logs go with their pods (a rolling restart deletes them within seconds): copied
  // as they grow, every pod's, so that whoever looks into a failure has the pods that are gone too.
  const keptLogs = join(root, '.test-env', 'cluster-pod-logs');
  rmSync(keptLogs, { recursive: true, force: true });
  mkdirSync(keptLogs, { recursive: true });
  const keepLogs = () => spawnSync('cp', ['-ru', `${runPaths().podLogs}/.`, keptLogs]);
  const copying = setInterval(keepLogs, 2000);
  code = await phase('tests', () => {
    const vitest = join(root, 'node_modules/vitest/vitest.mjs');
    const child = spawnInCluster(process.execPath, [vitest, 'run', '--config', 'vitest.cluster.config.ts'], {
      cwd: root,
      stdio: 'inherit',
      env: {
        PIXELFLOW_URL: `http://${service}`,
        PIXELFLOW_RELEASE: RELEASE,
        PIXELFLOW_NAMESPACE: NAMESPACE,
        PIXELFLOW_CHART: chart,
      },
    });
    return new Promise<number>((resolve) => child.once('exit', (status) => resolve(status ?? 1)));
  });
  clearInterval(copying);
  keepLogs();
  if (code !== 0) process.stderr.write(`the pods' logs, deleted pods' too: ${keptLogs}\n`);
  await phase('helm uninstall', async () => {
    must(
      helm(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait', '--timeout', '5m']),
      'helm uninstall',
    );
    // Deleting a Deployment leaves its pods terminating a while: wait until they are gone.
    let left = '';
    for (let waited = 0; waited < 300; waited += 2) {
      left = must(
        kubectl([
          '--namespace',
          NAMESPACE,
          'get',
          'all,configmap,secret,persistentvolumeclaim,networkpolicy,serviceaccount,poddisruptionbudget',
          '-l',
          `app.kubernetes.io/instance=${RELEASE}`,
          '-o',
          'name',
        ]),
        'listing what is left',
      )
        .split('\n')
        .filter(Boolean)
        // PostgreSQL's claim outlives the release on purpose (values.yaml, postgres.persistence):
        // deleting it is the documented step before installing again.
        .filter((name) => !name.startsWith('persistentvolumeclaim/'))
        .join('\n');
      if (!left) break;
      await sleep(2000);
    }
    if (left) {
      code ||= 1;
      process.stderr.write(`left behind after helm uninstall:\n${left}\n`);
    }
    must(
      kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=5m']),
      'deleting the namespace',
    );
  });
} catch (error) {
  process.stderr.write(`cluster tier: ${error instanceof Error ? error.message : String(error)}\n`);
  code ||= 1;
} finally {
  if (!options.keep) await phase('cluster down', () => down());
  process.stdout.write(`\n${timings.map(([name, s]) => `${name}: ${s.toFixed(1)} s`).join('\n')}\n`);
}
process.exit(code);

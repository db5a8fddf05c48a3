import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

/** What the tier runner (scripts/cluster-tier.ts) tells the tests, inside the cluster's namespace. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the cluster tier with \`pnpm test:cluster\``);
  return value;
}

export const release = () => requiredEnv('PIXELFLOW_RELEASE');
export const namespace = () => requiredEnv('PIXELFLOW_NAMESPACE');
/** The gateway's Service, by its cluster IP (kube-proxy's rules serve this namespace's own processes too). */
export const gatewayUrl = () => requiredEnv('PIXELFLOW_URL');

/** kubectl in the release's namespace (PATH and KUBECONFIG come from the runner). */
export function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--namespace', namespace(), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * kubectl without blocking the test's process: what must go on meanwhile in it (a load generator,
 * a subscription) keeps running. execFileSync would freeze them for as long as the command takes,
 * a `rollout status` for minutes, and a load generator frozen mid-rollout is no load at all.
 */
export async function kubectlAsync(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--namespace', namespace(), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

const run = promisify(execFile);

export function helm(...args: string[]): string {
  return execFileSync('helm', ['--namespace', namespace(), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The release's Deployments by name. */
export function deployments(): string[] {
  return kubectl(
    'get',
    'deployments',
    '-l',
    `app.kubernetes.io/instance=${release()}`,
    '-o',
    'jsonpath={.items[*].metadata.name}',
  )
    .split(/\s+/)
    .filter(Boolean);
}

/** The release's pods: name, component and uid, running or not. */
export function pods(): Array<{ name: string; component: string; uid: string; ready: boolean }> {
  const list = JSON.parse(
    kubectl('get', 'pods', '-l', `app.kubernetes.io/instance=${release()}`, '-o', 'json'),
  ) as {
    items: Array<{
      metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
      status: { conditions?: Array<{ type: string; status: string }> };
    }>;
  };
  return list.items
    .filter((pod) => !pod.metadata.deletionTimestamp)
    .map((pod) => ({
      name: pod.metadata.name,
      component: pod.metadata.labels?.['app.kubernetes.io/component'] ?? '',
      uid: pod.metadata.uid,
      ready: pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    }));
}

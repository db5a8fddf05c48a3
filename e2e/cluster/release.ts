import { execFile } from 'node:child_process';
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

const run = promisify(execFile);

/**
 * kubectl and helm never block the test's process: whatever goes on meanwhile in it (a load
 * generator, a subscription, fetch's pool of keep-alive connections) keeps running. A synchronous
 * call froze them for as long as the command took (a `rollout status` or `helm upgrade --wait`
 * for a minute or more), and on waking fetch sent a request on a connection whose gateway pod had
 * closed it meanwhile, before reading that close: the request failed with "other side closed".
 */
async function tool(command: 'kubectl' | 'helm', args: string[]): Promise<string> {
  const { stdout } = await run(command, ['--namespace', namespace(), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** kubectl in the release's namespace (PATH and KUBECONFIG come from the runner). */
export const kubectl = (...args: string[]) => tool('kubectl', args);

export const helm = (...args: string[]) => tool('helm', args);

/** The release's Deployments by name. */
export async function deployments(): Promise<string[]> {
  return (
    await kubectl(
      'get',
      'deployments',
      '-l',
      `app.kubernetes.io/instance=${release()}`,
      '-o',
      'jsonpath={.items[*].metadata.name}',
    )
  )
    .split(/\s+/)
    .filter(Boolean);
}

/** The release's pods: name, component and uid, running or not. */
export async function pods(): Promise<
  Array<{ name: string; component: string; uid: string; ready: boolean }>
> {
  const list = JSON.parse(
    await kubectl('get', 'pods', '-l', `app.kubernetes.io/instance=${release()}`, '-o', 'json'),
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

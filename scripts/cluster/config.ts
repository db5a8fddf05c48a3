/**
 * Versions, addresses and paths of the single-node Kubernetes cluster (scripts/cluster). Everything
 * the cluster is reaches only addresses inside the network namespace `netns`, which has no route
 * out of it: the node's address on a veth pair, the pod CIDR on the CNI bridge, the service CIDR
 * behind kube-proxy's rules.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const kubernetesVersion = '1.34.4';
export const corednsVersion = 'v1.12.4';
export const helmVersion = 'v3.22.0';

/** The network namespace the whole cluster runs in, and its links. */
export const netns = 'pixelflow-k8s';
export const netnsPath = `/run/netns/${netns}`;
export const nodeLink = 'pfk8s0';
export const peerLink = 'pfk8s1';
export const nodeName = 'pixelflow-node';
export const nodeIp = '10.200.0.2';
export const nodeCidr = 24;
export const podCidr = '10.244.0.0/16';
export const nodePodCidr = '10.244.0.0/24';
export const serviceCidr = '10.96.0.0/16';
export const kubernetesServiceIp = '10.96.0.1';
/** CoreDNS runs as a process on the node's address; pods get it as their nameserver. */
export const dnsIp = nodeIp;
export const clusterDomain = 'cluster.local';
export const apiserverPort = 6443;
/** The CNI network's name (its cache files in /var/lib/cni/results carry it). */
export const cniNetwork = 'pixelflow-k8s';

/** Local image names: no registry is reachable, so every image is imported with ctr. */
export const pauseImage = 'localhost/pixelflow/pause:3.10';
export const busyboxImage = 'localhost/pixelflow/busybox:smoke';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** helm as `pnpm check:helm` installs it. */
export const testEnvBin = join(repoRoot, '.test-env', 'bin');

/** PIXELFLOW_CACHE, else ~/.cache/pixelflow (as packages/tfjs-backend/setup uses it). */
export const cacheRoot = (): string => process.env.PIXELFLOW_CACHE ?? join(homedir(), '.cache', 'pixelflow');

/** What is built once and kept: binaries, Go's caches, images. `down` leaves it. */
export function cachePaths() {
  const dir = join(cacheRoot(), `kubernetes-${kubernetesVersion}`);
  return {
    dir,
    bin: join(dir, 'bin'),
    gocache: join(dir, 'go', 'cache'),
    gomodcache: join(dir, 'go', 'mod'),
    wrapper: join(dir, 'wrapper'),
    images: join(dir, 'images'),
  };
}

/** What one running cluster uses: state that `down` removes, logs that it leaves. */
export function runPaths() {
  const dir = join(cacheRoot(), 'kubernetes-cluster');
  const state = join(dir, 'state');
  return {
    dir,
    state,
    pids: join(dir, 'pids'),
    logs: join(dir, 'logs'),
    pki: join(state, 'pki'),
    config: join(state, 'config'),
    etcd: join(state, 'etcd'),
    containerdRoot: join(state, 'containerd', 'root'),
    containerdState: join(state, 'containerd', 'state'),
    containerdSocket: join(state, 'containerd', 'containerd.sock'),
    cniConf: join(state, 'cni', 'net.d'),
    cniData: join(state, 'cni', 'networks'),
    kubelet: join(state, 'kubelet'),
    podLogs: join(state, 'pod-logs'),
    adminKubeconfig: join(state, 'config', 'admin.kubeconfig'),
    /** Written when `up` has finished: its presence says the cluster was brought up whole. */
    upMarker: join(dir, 'up.json'),
  };
}

/**
 * A real single-node Kubernetes cluster on this machine (etcd, kube-apiserver, controller manager,
 * scheduler, kubelet with containerd and runc, kube-proxy, CoreDNS), all inside a network namespace
 * of its own with no route out of it. Facts and pitfalls: ../shared/notes/kubernetes-here.md.
 *
 * For other scripts:
 *   await up()                    idempotent: builds what is missing, starts what is not running
 *   await down()                  stops everything by PID, unmounts, removes the namespace
 *   loadImageTar(file)            an image tarball (docker save / OCI) into the cluster's containerd
 *   loadDockerImage(ref)          `docker save ref | ctr … images import -`
 *   runInCluster(cmd, args)       a command inside the namespace with the admin kubeconfig
 *   spawnInCluster(cmd, args)     the same, not waited for (test clients, load generators)
 *   kubectl(args), helm(args)
 *
 * Measured on a 2-core machine of this kind: cold `up` 14.5 min (Kubernetes 630 s and CoreDNS 230 s
 * built with empty Go caches, Debian's packages already there: installing them takes 10 s more),
 * warm `up` 10 s (node Ready 5 s after start), `down` 2–8 s, about 720 MiB resident with no pods.
 */
import { type SpawnOptions, type SpawnSyncOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, pauseImageTar } from './build.ts';
import {
  apiserverPort,
  cachePaths,
  clusterDomain,
  cniNetwork,
  dnsIp,
  kubernetesServiceIp,
  netns,
  netnsPath,
  nodeCidr,
  nodeIp,
  nodeLink,
  nodeName,
  nodePodCidr,
  pauseImage,
  peerLink,
  podCidr,
  runPaths,
  serviceCidr,
  testEnvBin,
} from './config.ts';
import { kubeconfig, makePki } from './pki.ts';
import {
  type Component,
  descendants,
  hasExited,
  logFile,
  processTable,
  runningPid,
  signal,
  start,
  stop,
  waitGone,
} from './processes.ts';
import { log, must, type RunResult, requireRoot, run, seconds, waitFor } from './util.ts';

// --- environment for commands -----------------------------------------------------------------------

const systemPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** PATH with the cluster's binaries and helm first, KUBECONFIG the admin's. */
export function clusterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [cachePaths().bin, testEnvBin, process.env.PATH ?? systemPath, systemPath].join(':'),
    KUBECONFIG: runPaths().adminKubeconfig,
    ...extra,
  };
}

/** `command args` as run inside the cluster's network namespace. */
export function inNetns(command: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=${netnsPath}`, '--', command, ...args]];
}

/** Runs a command inside the cluster's network namespace with the admin kubeconfig, and waits. */
export function runInCluster(command: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const [cmd, argv] = inNetns(command, args);
  return run(cmd, argv, { ...options, env: clusterEnv(options.env) });
}

/** Starts a command inside the cluster's network namespace with the admin kubeconfig. */
export function spawnInCluster(command: string, args: string[], options: SpawnOptions = {}) {
  const [cmd, argv] = inNetns(command, args);
  return spawn(cmd, argv, { ...options, env: clusterEnv(options.env) });
}

export const kubectl = (args: string[], options: SpawnSyncOptions = {}): RunResult =>
  runInCluster(join(cachePaths().bin, 'kubectl'), args, options);

export const helm = (args: string[], options: SpawnSyncOptions = {}): RunResult =>
  runInCluster(join(testEnvBin, 'helm'), args, options);

const ctrArgs = () => ['-a', runPaths().containerdSocket, '-n', 'k8s.io'];

/** Imports an image tarball (`docker save` output or an OCI layout tar) into the cluster's containerd. */
export function loadImageTar(file: string): void {
  must('ctr', [...ctrArgs(), 'images', 'import', file]);
}

/** `docker save <ref> | ctr -a <socket> -n k8s.io images import -`. */
export async function loadDockerImage(ref: string): Promise<void> {
  const save = spawn('docker', ['save', ref], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ctr = spawn('ctr', [...ctrArgs(), 'images', 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  save.stdout.pipe(ctr.stdin);
  let errors = '';
  // ctr failing (a full disk) closes its stdin under the pipe: its exit code and stderr say why,
  // not an EPIPE that would end this process.
  ctr.stdin.on('error', (error) => {
    errors += `writing to ctr: ${error.message}\n`;
    save.kill();
  });
  save.stderr.on('data', (chunk) => {
    errors += chunk;
  });
  ctr.stderr.on('data', (chunk) => {
    errors += chunk;
  });
  ctr.stdout.resume();
  const exit = (child: ReturnType<typeof spawn>) =>
    new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
  const [saved, imported] = await Promise.all([exit(save), exit(ctr)]);
  if (saved !== 0 || imported !== 0) throw new Error(`loading ${ref} into the cluster failed:\n${errors}`);
}

// --- components -------------------------------------------------------------------------------------

function components(): Component[] {
  const bin = cachePaths().bin;
  const paths = runPaths();
  const pki = (file: string) => join(paths.pki, file);
  const config = (file: string) => join(paths.config, file);
  const kubeconfigs = (name: string) => [
    `--kubeconfig=${config(`${name}.kubeconfig`)}`,
    `--authentication-kubeconfig=${config(`${name}.kubeconfig`)}`,
    `--authorization-kubeconfig=${config(`${name}.kubeconfig`)}`,
  ];
  return [
    { name: 'containerd', binary: '/usr/bin/containerd', args: ['--config', config('containerd.toml')] },
    {
      name: 'etcd',
      binary: '/usr/bin/etcd',
      args: [
        '--name=pixelflow',
        `--data-dir=${paths.etcd}`,
        '--listen-client-urls=http://127.0.0.1:2379',
        '--advertise-client-urls=http://127.0.0.1:2379',
        '--listen-peer-urls=http://127.0.0.1:2380',
        '--initial-advertise-peer-urls=http://127.0.0.1:2380',
        '--initial-cluster=pixelflow=http://127.0.0.1:2380',
        '--listen-metrics-urls=http://127.0.0.1:2381',
        '--snapshot-count=10000',
        '--log-level=warn',
        '--logger=zap',
      ],
    },
    {
      name: 'kube-apiserver',
      binary: join(bin, 'kube-apiserver'),
      args: [
        `--advertise-address=${nodeIp}`,
        '--bind-address=0.0.0.0',
        `--secure-port=${apiserverPort}`,
        '--etcd-servers=http://127.0.0.1:2379',
        `--service-cluster-ip-range=${serviceCidr}`,
        `--client-ca-file=${pki('ca.crt')}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
        `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
        '--kubelet-preferred-address-types=InternalIP',
        `--service-account-issuer=https://kubernetes.default.svc.${clusterDomain}`,
        `--service-account-key-file=${pki('sa.pub')}`,
        `--service-account-signing-key-file=${pki('sa.key')}`,
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction',
        '--allow-privileged=true',
        '--profiling=false',
      ],
    },
    {
      name: 'kube-controller-manager',
      binary: join(bin, 'kube-controller-manager'),
      args: [
        ...kubeconfigs('controller-manager'),
        '--bind-address=127.0.0.1',
        '--leader-elect=false',
        `--service-account-private-key-file=${pki('sa.key')}`,
        `--root-ca-file=${pki('ca.crt')}`,
        `--cluster-signing-cert-file=${pki('ca.crt')}`,
        `--cluster-signing-key-file=${pki('ca.key')}`,
        '--use-service-account-credentials=true',
        '--allocate-node-cidrs=false',
        `--cluster-cidr=${podCidr}`,
        `--service-cluster-ip-range=${serviceCidr}`,
        '--profiling=false',
      ],
    },
    {
      name: 'kube-scheduler',
      binary: join(bin, 'kube-scheduler'),
      args: [
        ...kubeconfigs('scheduler'),
        '--bind-address=127.0.0.1',
        '--leader-elect=false',
        '--profiling=false',
      ],
    },
    {
      name: 'kubelet',
      binary: join(bin, 'kubelet'),
      args: [
        `--config=${config('kubelet.yaml')}`,
        `--kubeconfig=${config('kubelet.kubeconfig')}`,
        `--root-dir=${paths.kubelet}`,
        `--hostname-override=${nodeName}`,
        `--node-ip=${nodeIp}`,
      ],
    },
    { name: 'kube-proxy', binary: join(bin, 'kube-proxy'), args: [`--config=${config('kube-proxy.yaml')}`] },
    { name: 'coredns', binary: join(bin, 'coredns'), args: ['-conf', config('Corefile')] },
  ];
}

// --- configuration ----------------------------------------------------------------------------------

function writeConfiguration(): void {
  const paths = runPaths();
  for (const dir of [paths.config, paths.etcd, paths.cniConf, paths.cniData, paths.kubelet, paths.podLogs]) {
    mkdirSync(dir, { recursive: true });
  }
  makePki(paths.pki);
  const config = (file: string, text: string) => writeFileSync(join(paths.config, file), text);
  config('admin.kubeconfig', kubeconfig(paths.pki, 'admin', 'kubernetes-admin'));
  config(
    'controller-manager.kubeconfig',
    kubeconfig(paths.pki, 'controller-manager', 'system:kube-controller-manager'),
  );
  config('scheduler.kubeconfig', kubeconfig(paths.pki, 'scheduler', 'system:kube-scheduler'));
  config('kube-proxy.kubeconfig', kubeconfig(paths.pki, 'kube-proxy', 'system:kube-proxy'));
  config('kubelet.kubeconfig', kubeconfig(paths.pki, 'kubelet', `system:node:${nodeName}`));

  config(
    'containerd.toml',
    `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"

[grpc]
  address = "${paths.containerdSocket}"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "${join(paths.state, 'containerd', 'opt')}"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${pauseImage}"
    # root here lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below its own
    restrict_oom_score_adj = true
    disable_apparmor = true
    enable_selinux = false
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    # The pods' network namespaces under the state directory, not /run/netns: \`down\` unmounts them there
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "${paths.cniConf}"
      max_conf_num = 1
`,
  );
  writeFileSync(
    join(paths.cniConf, '10-pixelflow.conflist'),
    JSON.stringify(
      {
        cniVersion: '0.4.0',
        name: cniNetwork,
        plugins: [
          {
            type: 'bridge',
            bridge: 'cni0',
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: nodePodCidr }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: paths.cniData,
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ),
  );
  // Pods get no nameserver but CoreDNS, and no search domain of the machine's.
  writeFileSync(join(paths.config, 'resolv.conf'), `nameserver ${dnsIp}\n`);
  config(
    'kubelet.yaml',
    JSON.stringify(
      {
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        // This machine kind has cgroup v1 (hybrid); the kubelet refuses it from 1.35 on.
        failCgroupV1: false,
        cgroupDriver: 'cgroupfs',
        containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
        address: nodeIp,
        readOnlyPort: 0,
        healthzBindAddress: '127.0.0.1',
        healthzPort: 10248,
        tlsCertFile: join(paths.pki, 'kubelet-serving.crt'),
        tlsPrivateKeyFile: join(paths.pki, 'kubelet-serving.key'),
        authentication: {
          anonymous: { enabled: false },
          webhook: { enabled: false },
          x509: { clientCAFile: join(paths.pki, 'ca.crt') },
        },
        authorization: { mode: 'AlwaysAllow' },
        clusterDomain,
        clusterDNS: [dnsIp],
        resolvConf: join(paths.config, 'resolv.conf'),
        podLogsDir: paths.podLogs,
        failSwapOn: false,
        rotateCertificates: false,
        serializeImagePulls: false,
        // Images come from tarballs and cannot be pulled again: never collect them.
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        evictionHard: {
          'memory.available': '100Mi',
          'nodefs.available': '1%',
          'nodefs.inodesFree': '1%',
          'imagefs.available': '1%',
        },
        maxPods: 110,
      },
      null,
      2,
    ),
  );
  config(
    'kube-proxy.yaml',
    JSON.stringify(
      {
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        clientConnection: { kubeconfig: join(paths.config, 'kube-proxy.kubeconfig') },
        mode: 'iptables',
        clusterCIDR: podCidr,
        hostnameOverride: nodeName,
        bindAddress: nodeIp,
        healthzBindAddress: '127.0.0.1:10256',
        metricsBindAddress: '127.0.0.1:10249',
        // Leave the conntrack sysctls alone: some are the machine's, not the namespace's.
        conntrack: {
          maxPerCore: 0,
          min: 0,
          tcpEstablishedTimeout: '0s',
          tcpCloseWaitTimeout: '0s',
        },
      },
      null,
      2,
    ),
  );
  // CoreDNS answers for the cluster's zones and NXDOMAIN for every other name: nothing leaves.
  config(
    'Corefile',
    `${clusterDomain}:53 in-addr.arpa:53 ip6.arpa:53 {
  bind ${dnsIp}
  errors
  kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
    kubeconfig ${paths.adminKubeconfig} pixelflow
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
    ttl 30
  }
  cache 30
}
.:53 {
  bind ${dnsIp}
  ready 127.0.0.1:8181
  template ANY ANY {
    rcode NXDOMAIN
  }
}
`,
  );
}

// --- network namespace ------------------------------------------------------------------------------

const netnsExists = (): boolean => existsSync(netnsPath);

/** Runs a command inside the namespace (setup and teardown). */
const inNs = (command: string, args: string[]) => {
  const [cmd, argv] = inNetns(command, args);
  return must(cmd, argv);
};

function createNetns(): void {
  must('ip', ['netns', 'add', netns]);
  inNs('ip', ['link', 'set', 'lo', 'up']);
  // No dummy link type here (no kernel modules): the node's address sits on one end of a veth
  // pair whose other end stays in the namespace too. No default route: nothing gets out.
  inNs('ip', ['link', 'add', nodeLink, 'type', 'veth', 'peer', 'name', peerLink]);
  inNs('ip', ['addr', 'add', `${nodeIp}/${nodeCidr}`, 'dev', nodeLink]);
  inNs('ip', ['link', 'set', nodeLink, 'up']);
  inNs('ip', ['link', 'set', peerLink, 'up']);
  // Service addresses are in no subnet here: without a route, the namespace's own processes (test
  // clients, load generators) get ENETUNREACH before kube-proxy's rules can rewrite the address.
  inNs('ip', ['route', 'add', serviceCidr, 'dev', nodeLink]);
  const sysctls: Record<string, string> = {
    'net/ipv4/ip_forward': '1',
    'net/bridge/bridge-nf-call-iptables': '1',
    'net/bridge/bridge-nf-call-ip6tables': '1',
  };
  for (const [key, value] of Object.entries(sysctls)) {
    if (existsSync(`/proc/sys/${key}`)) inNs('sh', ['-c', `echo ${value} > /proc/sys/${key}`]);
  }
}

// --- up ---------------------------------------------------------------------------------------------

interface UpRecord {
  startedAt: string;
  buildSeconds: number;
  startSeconds: number;
  nodeReadySeconds: number;
  totalSeconds: number;
}

/** Node Ready according to the API server. */
function nodeReady(): boolean {
  const result = kubectl([
    'get',
    'node',
    nodeName,
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    '--request-timeout=5s',
  ]);
  return result.code === 0 && result.stdout.trim() === 'True';
}

/** Asks CoreDNS (from inside the namespace) for a name; returns the addresses it answers. */
export function resolve(name: string): string[] {
  const probe = join(import.meta.dirname, 'dns-probe.ts');
  const result = runInCluster(process.execPath, [probe, dnsIp, name], { timeout: 10_000 });
  return result.code === 0 ? result.stdout.split('\n').filter(Boolean) : [];
}

/** Whether every component runs and the node is Ready. */
export function isUp(): boolean {
  return (
    existsSync(runPaths().upMarker) &&
    netnsExists() &&
    components().every((component) => runningPid(component) !== undefined) &&
    nodeReady()
  );
}

export async function up(): Promise<UpRecord> {
  requireRoot();
  const started = Date.now();
  if (isUp()) {
    log('the cluster is up already');
    return JSON.parse(readFileSync(runPaths().upMarker, 'utf8')) as UpRecord;
  }
  const paths = runPaths();
  if (netnsExists() || existsSync(paths.state) || existsSync(paths.pids)) {
    log('a cluster is partly there: taking it down first');
    await down();
  }

  ensureBuilt();
  const built = Date.now();
  const buildSeconds = (built - started) / 1000;
  log(`binaries and images ready (${seconds(started)})`);
  let nodeReadySeconds = 0;
  try {
    rmSync(paths.logs, { recursive: true, force: true });
    mkdirSync(paths.logs, { recursive: true });
    writeConfiguration();
    createNetns();

    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${cachePaths().bin}:${systemPath}` };
    delete env.KUBECONFIG;
    const all = components();
    const named = (name: string) => all.find((component) => component.name === name)!;
    /** Fails the wait at once when a component has exited, with the end of its log. */
    const alive = (started: Component[]) => {
      for (const component of started) {
        if (hasExited(component)) {
          const tail = readFileSync(logFile(component.name), 'utf8')
            .trimEnd()
            .split('\n')
            .slice(-15)
            .join('\n');
          throw new Error(`${component.name} exited:\n${tail}`);
        }
      }
    };
    start(named('containerd'), env);
    await waitFor(
      'containerd answering on its socket',
      () => alive([named('containerd')]) ?? run('ctr', ['-a', paths.containerdSocket, 'version']).code === 0,
      30_000,
    );
    loadImageTar(pauseImageTar());
    // The controllers and node agents after the API server is ready (its RBAC roles made): the
    // controller manager exits when it cannot read its configuration yet.
    const first = ['etcd', 'kube-apiserver'].map(named);
    for (const component of first) start(component, env);
    await waitFor(
      'the API server ready',
      () => alive(first) ?? kubectl(['get', '--raw=/readyz', '--request-timeout=5s']).code === 0,
      120_000,
      500,
    );
    const launched = new Set(['containerd', ...first.map((component) => component.name)]);
    for (const component of all) {
      if (!launched.has(component.name)) start(component, env);
    }
    log(`API server ready (${seconds(built)} after start)`);
    await waitFor('node Ready', () => alive(all) ?? nodeReady(), 180_000, 500);
    nodeReadySeconds = (Date.now() - built) / 1000;
    log(`node ${nodeName} Ready (${seconds(built)} after start)`);
    await waitFor(
      'CoreDNS answering for kubernetes.default',
      () => alive(all) ?? resolve(`kubernetes.default.svc.${clusterDomain}`).includes(kubernetesServiceIp),
      60_000,
      500,
    );
    // Pods of the default namespace need its service account.
    await waitFor(
      'the default service account',
      () => alive(all) ?? kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).code === 0,
      60_000,
      500,
    );
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n` +
        `the cluster is left as it is to look at: logs in ${paths.logs}; \`pnpm cluster:k8s down\` removes it`,
    );
  }
  const record: UpRecord = {
    startedAt: new Date(started).toISOString(),
    buildSeconds,
    startSeconds: (Date.now() - built) / 1000,
    nodeReadySeconds,
    totalSeconds: (Date.now() - started) / 1000,
  };
  writeFileSync(paths.upMarker, `${JSON.stringify(record, null, 2)}\n`);
  log(
    `cluster up in ${record.totalSeconds.toFixed(1)} s: builds and packages ${buildSeconds.toFixed(1)} s, ` +
      `start to node Ready ${nodeReadySeconds.toFixed(1)} s, to CoreDNS and service account ${record.startSeconds.toFixed(1)} s`,
  );
  log(`memory: ${(clusterMemoryKiB() / 1024).toFixed(0)} MiB resident (components, shims, pods)`);
  return record;
}

// --- down -------------------------------------------------------------------------------------------

/** containerd's shims for this cluster's socket, with the pods' processes below them. */
function shims(table = processTable()) {
  const socket = runPaths().containerdSocket;
  return [...table.values()].filter(
    (info) => info.argv[0]?.endsWith('containerd-shim-runc-v2') && info.argv.includes(socket),
  );
}

/** Resident memory of every process of the cluster: components, shims, containers. */
export function clusterMemoryKiB(): number {
  const table = processTable();
  const pids = new Set<number>();
  for (const component of components()) {
    const pid = runningPid(component);
    if (pid !== undefined) pids.add(pid);
  }
  for (const shim of shims(table)) {
    pids.add(shim.pid);
    for (const pid of descendants(table, shim.pid)) pids.add(pid);
  }
  return [...pids].reduce((sum, pid) => sum + (table.get(pid)?.rssKiB ?? 0), 0);
}

const netnsInode = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};

/** Mount points under `prefix` from /proc/self/mountinfo, deepest first. */
function mountsUnder(prefix: string): string[] {
  const decode = (path: string) =>
    path.replace(/\\(\d{3})/g, (_, octal) => String.fromCharCode(Number.parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(decode)
    .filter((point) => point === prefix || point.startsWith(`${prefix}/`))
    .sort((a, b) => b.length - a.length);
}

function unmount(point: string): void {
  if (run('umount', [point]).code !== 0) run('umount', ['-l', point]);
}

/** Removes the kubelet's cgroups (kubepods and below) once no process is left in them. */
function removeCgroups(): void {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return;
  const remove = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) remove(join(dir, entry.name));
    }
    try {
      rmdirSync(dir);
    } catch {
      // a process is still in it: left for the next `down`
    }
  };
  for (const controller of readdirSync(root)) remove(join(root, controller, 'kubepods'));
}

/**
 * Stops everything by PID (the kubelet first, then the pods' processes and containerd's shims, then
 * the rest), unmounts what the kubelet and containerd mounted, removes the namespace with its links
 * and the cluster's state. Leaves the caches (binaries, Go's caches, images) and the logs.
 */
export async function down(): Promise<void> {
  requireRoot();
  const started = Date.now();
  const paths = runPaths();
  const all = components();
  const byName = (name: string) => all.filter((component) => component.name === name);
  // 1. The kubelet, so that it restarts nothing.
  await stop(byName('kubelet'));

  // 2. The pods: their network namespaces (to unmount), their processes, the shims.
  const table = processTable();
  const podNetns = new Set<number>();
  const shimPids: number[] = [];
  const podPids: number[] = [];
  for (const shim of shims(table)) {
    shimPids.push(shim.pid);
    for (const pid of descendants(table, shim.pid)) {
      podPids.push(pid);
      const inode = netnsInode(`/proc/${pid}/ns/net`);
      if (inode !== undefined) podNetns.add(inode);
    }
  }
  const containerIds = new Set<string>();
  if (runningPid(byName('containerd')[0]!) !== undefined) {
    const listed = run('ctr', [...ctrArgs(), 'containers', 'ls', '-q'], { timeout: 10_000 });
    for (const id of listed.stdout.split('\n').filter(Boolean)) containerIds.add(id);
  }
  signal(podPids, 'SIGKILL');
  await waitGone(podPids, 10_000);
  signal(shimPids, 'SIGKILL');
  await waitGone(shimPids, 10_000);

  // 3. Everything else, the API server's clients before it and it before etcd (it hangs on its
  //    way out without etcd).
  await stop(['coredns', 'kube-proxy', 'kube-scheduler', 'kube-controller-manager'].flatMap(byName));
  await stop(byName('kube-apiserver'));
  await stop(['etcd', 'containerd'].flatMap(byName));

  // 4. Mounts: the pods' network namespaces, then whatever lies under the cluster's state.
  if (existsSync('/run/netns')) {
    for (const entry of readdirSync('/run/netns')) {
      if (!entry.startsWith('cni-')) continue;
      const path = join('/run/netns', entry);
      const inode = netnsInode(path);
      if (inode !== undefined && podNetns.has(inode)) {
        unmount(path);
        rmSync(path, { force: true });
      }
    }
  }
  for (const point of mountsUnder(paths.state)) unmount(point);

  // 5. The namespace (its veths, the CNI bridge, kube-proxy's rules go with it).
  if (netnsExists()) must('ip', ['netns', 'delete', netns]);

  // 6. Files: the state, the CNI plugins' cache, the shims' sockets, the kubelet's cgroups.
  rmSync(paths.state, { recursive: true, force: true });
  rmSync(paths.pids, { recursive: true, force: true });
  rmSync(paths.upMarker, { force: true });
  const results = '/var/lib/cni/results';
  if (existsSync(results)) {
    for (const entry of readdirSync(results)) {
      // <network>-<sandbox>-<interface>: this cluster's network, and CRI's loopback for its sandboxes
      const sandbox = /^cni-loopback-([0-9a-f]+)-lo$/.exec(entry)?.[1];
      if (entry.startsWith(`${cniNetwork}-`) || (sandbox && containerIds.has(sandbox))) {
        rmSync(join(results, entry), { force: true });
      }
    }
  }
  for (const id of containerIds) {
    const hash = createHash('sha256')
      .update(join(paths.containerdSocket, 'k8s.io', id))
      .digest('hex');
    rmSync(join('/run/containerd/s', hash), { force: true });
  }
  removeCgroups();
  log(`cluster down (${seconds(started)})`);
}

// --- status -----------------------------------------------------------------------------------------

export function status(): boolean {
  const table = processTable();
  let running = 0;
  const all = components();
  for (const component of all) {
    const pid = runningPid(component);
    if (pid !== undefined) running++;
    const rss = pid === undefined ? '' : `${((table.get(pid)?.rssKiB ?? 0) / 1024).toFixed(0)} MiB`;
    log(`${component.name.padEnd(24)} ${pid === undefined ? 'stopped' : `pid ${pid}`.padEnd(12)} ${rss}`);
  }
  const shimList = shims(table);
  const podProcesses = shimList.reduce((sum, shim) => sum + descendants(table, shim.pid).length, 0);
  log(`${'pods'.padEnd(24)} ${shimList.length} shims, ${podProcesses} processes`);
  log(`namespace ${netns}: ${netnsExists() ? 'present' : 'absent'}`);
  if (running > 0) log(`memory: ${(clusterMemoryKiB() / 1024).toFixed(0)} MiB resident`);
  if (running === all.length && netnsExists()) {
    const nodes = kubectl(['get', 'nodes', '-o', 'wide']);
    log(nodes.code === 0 ? nodes.stdout.trimEnd() : `kubectl: ${nodes.stderr.trim()}`);
  }
  log(`logs: ${runPaths().logs}`);
  return running === all.length;
}

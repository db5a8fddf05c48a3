/**
 * `pnpm cluster:k8s <command>`: the local single-node Kubernetes cluster (scripts/cluster/k8s.ts).
 *
 *   up [--smoke]        build what is missing (cached), start everything, wait for node Ready and
 *                       CoreDNS; --smoke runs the smoke check after
 *   down                stop everything by PID, unmount, remove the network namespace (caches stay)
 *   status              what runs, its memory, the node
 *   smoke               a pod through CoreDNS and a ClusterIP Service; helm install/uninstall
 *   load <tar|image>…   image tarballs, or images of the local Docker engine, into the cluster's containerd
 *   kubectl|helm …      run them inside the cluster's namespace with the admin kubeconfig
 *   exec <cmd> …        any command inside the namespace with KUBECONFIG set
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cachePaths, testEnvBin } from './config.ts';
import { clusterEnv, down, inNetns, loadDockerImage, loadImageTar, status, up } from './k8s.ts';
import { smoke } from './smoke.ts';

const usage =
  'usage: pnpm cluster:k8s up [--smoke] | down | status | smoke | load <tar|image>… | kubectl … | helm … | exec <cmd> …';

function passthrough(command: string, args: string[]): never {
  const [cmd, argv] = inNetns(command, args);
  const result = spawnSync(cmd, argv, { stdio: 'inherit', env: clusterEnv() });
  process.exit(result.status ?? 1);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'up':
      await up();
      if (args.includes('--smoke')) await smoke();
      return;
    case 'down':
      await down();
      return;
    case 'status':
      process.exitCode = status() ? 0 : 3;
      return;
    case 'smoke':
      await smoke();
      return;
    case 'load':
      // A file is an image tarball; anything else names an image of the local Docker engine.
      for (const image of args) {
        if (existsSync(image)) loadImageTar(image);
        else await loadDockerImage(image);
      }
      return;
    case 'kubectl':
      passthrough(join(cachePaths().bin, 'kubectl'), args);
      break;
    case 'helm':
      passthrough(join(testEnvBin, 'helm'), args);
      break;
    case 'exec':
      if (!args[0]) throw new Error(usage);
      passthrough(args[0], args.slice(1));
      break;
    default:
      process.stderr.write(`${usage}\n`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * Background processes of the cluster: started detached with a PID file and a log file, stopped by
 * PID (never by name), and the process table read from /proc.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { netnsPath, runPaths } from './config.ts';

export interface Component {
  name: string;
  binary: string;
  args: string[];
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
  rssKiB: number;
}

/** Every process on the machine, from /proc. */
export function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const rss = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      table.set(pid, { pid, ppid: Number(fields[1]), argv, rssKiB: rss ? Number(rss[1]) : 0 });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** `pid`'s descendants (not itself), deepest last. */
export function descendants(table: Map<number, ProcessInfo>, pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const info of table.values()) {
    const list = children.get(info.ppid) ?? [];
    list.push(info.pid);
    children.set(info.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

const pidFile = (name: string) => join(runPaths().pids, `${name}.pid`);
export const logFile = (name: string) => join(runPaths().logs, `${name}.log`);

/** Whether a process exists and has not exited (a zombie waits for its parent, here often init). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** The PID of a component, when its PID file names a live process running its binary. */
export function runningPid(component: Pick<Component, 'name' | 'binary'>): number | undefined {
  const file = pidFile(component.name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // Right after start it may still be nsenter, before its exec of the binary.
    const starting = argv[0]?.endsWith('nsenter') && argv.includes(component.binary);
    return argv[0] === component.binary || starting ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a started component's process has ended (gone or a zombie). Unlike runningPid it does not
 * look at the command line, which reads empty while nsenter execs the binary.
 */
export function hasExited(component: Pick<Component, 'name'>): boolean {
  const file = pidFile(component.name);
  if (!existsSync(file)) return true;
  return !alive(Number(readFileSync(file, 'utf8').trim()));
}

/**
 * Starts a component inside the cluster's network namespace (nsenter --net only: it shares the
 * machine's mount namespace, so that the kubelet's and containerd's mounts see each other), in its
 * own session, with its output appended to logs/<name>.log.
 */
export function start(component: Component, env: NodeJS.ProcessEnv): number {
  const paths = runPaths();
  mkdirSync(paths.pids, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const out = openSync(logFile(component.name), 'a');
  try {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', component.binary, ...component.args], {
      detached: true,
      stdio: ['ignore', out, out],
      env,
    });
    if (child.pid === undefined) throw new Error(`${component.name} did not start`);
    child.unref();
    writeFileSync(pidFile(component.name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** Sends `signal` to each PID, ignoring those already gone. */
export function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Waits until every PID is gone; false when some are left after `timeoutMs`. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops components by PID: SIGTERM to each and to the processes they started, SIGKILL to what is
 * left after `graceMs`. Removes their PID files.
 */
export async function stop(
  components: Array<Pick<Component, 'name' | 'binary'>>,
  graceMs = 10_000,
): Promise<void> {
  const table = processTable();
  const pids: number[] = [];
  for (const component of components) {
    const pid = runningPid(component);
    if (pid !== undefined) pids.push(pid, ...descendants(table, pid));
  }
  signal(pids, 'SIGTERM');
  if (!(await waitGone(pids, graceMs))) {
    signal(pids, 'SIGKILL');
    await waitGone(pids, 5_000);
  }
  for (const component of components) rmSync(pidFile(component.name), { force: true });
}

/**
 * The CPU time processes spent, read from Linux's /proc: so that a figure
 * measured on a machine of two cores can be set beside the work the cores
 * had to do for it. A process's time includes its threads (the index
 * threads of the shell) and the children it has waited for; children still
 * running are counted by walking the tree.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux Node runs on. */
const ticksPerSecond = 100;

interface ProcessTimes {
  parent: number;
  command: string;
  /** utime + stime, in seconds. */
  own: number;
  /** cutime + cstime: the children it has waited for. */
  reaped: number;
}

/** Every process this user can see, with its times now. */
export type CpuSnapshot = ReadonlyMap<number, ProcessTimes>;

export function cpuSnapshot(): CpuSnapshot {
  const processes = new Map<number, ProcessTimes>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')[0] ?? '';
      processes.set(Number(name), { command, ...timesOf(Number(name)) });
    } catch {
      // Ended while the folder was read.
    }
  }
  return processes;
}

/** The seconds of CPU one running process has spent itself, its threads included (throws once it has ended). */
export function ownCpu(pid: number): number {
  return timesOf(pid).own;
}

function timesOf(pid: number): Omit<ProcessTimes, 'command'> {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces: the fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    parent: Number(fields[1]),
    own: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
    reaped: (Number(fields[13]) + Number(fields[14])) / ticksPerSecond,
  };
}

/**
 * The seconds of CPU a process and everything below it spent between the two snapshots (a process new since counts
 * whole), children that ended and were waited for included: what the shell started (its git).
 */
export function treeCpu(root: number, before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const pid of descendants(root, after)) {
    const now = after.get(pid)!;
    const then = before.get(pid);
    total += now.own + now.reaped - (then ? then.own + then.reaped : 0);
  }
  return total;
}

/**
 * The same for the processes of the tree whose program the test accepts, their own time only: a browser reaps the
 * page processes of pages closed before the snapshot, whose time is not the figure's.
 */
export function programCpu(root: number, only: (command: string) => boolean, before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const pid of descendants(root, after)) {
    const now = after.get(pid)!;
    if (only(now.command)) total += now.own - (before.get(pid)?.own ?? 0);
  }
  return total;
}

function descendants(root: number, snapshot: CpuSnapshot): number[] {
  if (!snapshot.has(root)) return [];
  const found = [root];
  for (let index = 0; index < found.length; index++) for (const [pid, times] of snapshot) if (times.parent === found[index]) found.push(pid);
  return found;
}

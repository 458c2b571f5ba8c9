/**
 * Reads a live process's memory the way a core dump or a debugger would:
 * every readable mapping in /proc/PID/maps, through /proc/PID/mem (root, or
 * the same user with ptrace allowed). Used to look for secrets a process
 * should no longer hold.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';

export interface MemoryHit {
  /** The mapping's line in /proc/PID/maps. */
  mapping: string;
  address: bigint;
  needle: string;
}

interface Mapping {
  start: bigint;
  end: bigint;
  line: string;
}

function readableMappings(pid: number): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
    if (!match || match[3]![0] !== 'r') continue;
    // The kernel's pages (vsyscall, vvar) hold nothing of the process's own.
    if (/\[(vsyscall|vvar|vvar_vclock)\]/.test(line)) continue;
    mappings.push({ start: BigInt(`0x${match[1]}`), end: BigInt(`0x${match[2]}`), line });
  }
  return mappings;
}

/** Every place one of the needles occurs in the process's readable memory. */
export function findInProcessMemory(pid: number, needles: Record<string, Buffer>): MemoryHit[] {
  const hits: MemoryHit[] = [];
  const longest = Math.max(...Object.values(needles).map((needle) => needle.length));
  const chunk = Buffer.alloc(8 << 20);
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const mapping of readableMappings(pid)) {
      let position = mapping.start;
      // Each read starts `longest - 1` bytes before the last one ended, so a needle across two reads is seen.
      while (position < mapping.end) {
        const wanted = Number(mapping.end - position < BigInt(chunk.length) ? mapping.end - position : BigInt(chunk.length));
        let got: number;
        try {
          got = readSync(fd, chunk, 0, wanted, position);
        } catch {
          break; // a mapping that cannot be read (a device, a guard page): a core dump skips it too
        }
        if (got <= 0) break;
        const view = chunk.subarray(0, got);
        for (const [name, needle] of Object.entries(needles)) {
          for (let at = view.indexOf(needle); at !== -1; at = view.indexOf(needle, at + 1)) {
            hits.push({ mapping: mapping.line, address: position + BigInt(at), needle: name });
          }
        }
        if (got < wanted || position + BigInt(got) >= mapping.end) break;
        position += BigInt(got - (longest - 1));
      }
    }
  } finally {
    closeSync(fd);
  }
  return hits;
}

/** The PIN as a process may hold it: UTF-8 (Buffers, C strings, V8 one-byte strings) and UTF-16LE (V8 two-byte strings). */
export function pinNeedles(pin: string): Record<string, Buffer> {
  return { 'UTF-8': Buffer.from(pin, 'utf8'), 'UTF-16LE': Buffer.from(pin, 'utf16le') };
}

/** The process's children, grandchildren and so on (from each thread's /proc/PID/task/TID/children). */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let children: number[] = [];
    try {
      // A child belongs to the thread that started it: read every thread's list.
      for (const task of readdirSync(`/proc/${parent}/task`)) {
        children.push(...readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      children = []; // ended meanwhile
    }
    for (const child of children) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/**
 * Keeps what a process holds (a PIN on its way to a token) out of its core
 * dumps, without native code (issue 12): "0" in /proc/self/coredump_filter
 * (Linux) leaves every mapping of the process out of a core dump, the
 * kernel's on a crash and the one gdb's gcore writes (gcore honours the
 * filter by default, "set use-coredump-filter on"). The filter belongs to
 * the process, so it covers all its threads (a CLI command's token hosts),
 * and a child inherits it across fork and exec (a token host the core
 * forks has it from its first instruction; the host sets it again itself).
 *
 * What it does not cover: anything that reads the live process (a debugger
 * attaching, /proc/PID/mem: root, or the same user where
 * kernel.yama.ptrace_scope allows it), gcore with use-coredump-filter off,
 * memory swapped out to disk, a core file's register notes. Turning dumps
 * off outright (prctl PR_SET_DUMPABLE 0, RLIMIT_CORE 0) would also refuse
 * other users' debuggers, but needs native code that Node does not offer;
 * a core dump is then still written, empty of memory. Elsewhere than Linux
 * this does nothing.
 */
import { writeFileSync } from 'node:fs';

/** Returns whether the filter is now set (false off Linux, or where /proc is not writable). */
export function excludeMemoryFromCoreDumps(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/self/coredump_filter', '0');
    return true;
  } catch {
    return false;
  }
}

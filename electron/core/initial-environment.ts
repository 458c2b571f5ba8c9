/**
 * The environment block a process started with, and a secret in it (issue
 * 12). On Linux, exec copies the environment onto the new process's stack,
 * between env_start and env_end (fields 50 and 51 of /proc/PID/stat, see
 * proc(5)); libc's `environ` points into it, and /proc/PID/environ shows it.
 * Removing a variable (unsetenv, `delete process.env[NAME]`) only drops the
 * pointer: the NAME=value bytes stay in that block for the life of the
 * process, where a core dump or anyone who may read the process's memory
 * finds them. Node has no way to write there, but a process may write its own
 * memory through /proc/self/mem (proc(5): "/proc/pid/mem ... can be used to
 * access the pages of a process's memory"), which is how the value is
 * overwritten here.
 *
 * The value is read from the block itself (as bytes, into a buffer that is
 * overwritten after use), never through process.env, which would make a
 * JavaScript string of it that nothing can overwrite.
 *
 * Anywhere this cannot be done (not Linux, no /proc, a worker thread, whose
 * process.env is a copy of its own) it does nothing and says so: the caller
 * falls back to reading the variable as usual.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { pinBuffer, pinBytesOf } from './pin-bytes';

/** Far larger than any environment (Linux caps argv plus envp at a quarter of the stack limit). */
const maxBlockBytes = 64 * 1024 * 1024;

/** env_start and env_end from the text of /proc/self/stat, or undefined when it does not give them. */
export function environmentBounds(stat: string): { start: number; end: number } | undefined {
  // Field 2 (the command name, in parentheses) may hold spaces and parentheses itself: count from the last ")".
  const close = stat.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields = stat.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state): field N is fields[N - 3].
  const start = Number(fields[50 - 3]);
  const end = Number(fields[51 - 3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start <= 0 || end <= start || end - start > maxBlockBytes) return undefined;
  return { start, end };
}

/**
 * The value of the variable `name` as the process's initial environment
 * block holds it, as bytes in a buffer of their own (the caller overwrites
 * it), after overwriting it there with zeros (every entry of that name).
 * Undefined when the block has no such entry, or when the block cannot be
 * read or written here: then nothing was changed.
 */
export function takeFromInitialEnvironment(name: string): Buffer | undefined {
  // node:worker_threads only when asked: it takes milliseconds to load, and only --pin-env asks (issue 11).
  if (process.platform !== 'linux' || name === '' || /[=\0]/.test(name) || !process.getBuiltinModule('node:worker_threads').isMainThread) return undefined;
  let fd: number | undefined;
  let block: Buffer | undefined;
  let value: Buffer | undefined;
  try {
    const bounds = environmentBounds(readFileSync('/proc/self/stat', 'latin1'));
    if (!bounds) return undefined;
    const length = bounds.end - bounds.start;
    fd = openSync('/proc/self/mem', 'r+');
    block = pinBuffer(length);
    if (readSync(fd, block, 0, length, bounds.start) !== length) return undefined;
    const prefix = Buffer.from(`${name}=`, 'utf8');
    const entries: { start: number; end: number }[] = [];
    for (let at = 0; at < length; ) {
      const zero = block.indexOf(0, at);
      const end = zero === -1 ? length : zero;
      if (end - at >= prefix.length && block.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0) entries.push({ start: at + prefix.length, end });
      at = end + 1;
    }
    if (entries.length === 0) return undefined;
    // getenv answers with the first entry of a name: once that one is overwritten, the value is only here.
    value = pinBytesOf(block.subarray(entries[0]!.start, entries[0]!.end));
    // (A later entry of the same name that could not be overwritten is not what getenv reads.)
    const overwritten = entries.map((entry) => overwrite(fd!, bounds.start + entry.start, entry.end - entry.start));
    if (!overwritten[0]) throw new Error('the environment block could not be written');
    return value;
  } catch {
    value?.fill(0);
    return undefined;
  } finally {
    block?.fill(0);
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes zeros over `length` bytes of this process's memory at `address`; whether it did. */
function overwrite(fd: number, address: number, length: number): boolean {
  try {
    return writeSync(fd, Buffer.alloc(length), 0, length, address) === length;
  } catch {
    return false;
  }
}

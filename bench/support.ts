/**
 * What every part of `npm run bench` shares: the figures' layout, timing,
 * running a tool, reading the environment, and the clean-ups that run even
 * when a part fails.
 */
import { spawnSync } from 'node:child_process';

export const mebibyte = 1024 * 1024;

/** Who the benchmark's commits are by: its stores are synced where no git identity may be configured. */
export const benchGitIdentity = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.org', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.org' };

const cleanups: (() => void)[] = [];

/** Something to undo when the run ends, however it ends (synchronous: it also runs on Ctrl+C). */
export function onCleanup(cleanup: () => void): void {
  cleanups.push(cleanup);
}

export function cleanupAll(): void {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // Best effort: a leftover temp folder is not worth hiding the figures for.
    }
  }
}

export function tool(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 64 * mebibyte });
  if (result.error) throw new Error(`Cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Seconds since some fixed point: for differences only. */
export function seconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Times work that has a deadline: work that has not settled by then is run
 * once more, and the figure is that second run's; a second stall stops the
 * run with a message. Twice in four runs of (e), one fs/promises readdir of
 * the reading reference never settled, with libuv's thread pool idle and no
 * I/O left, and the benchmark waited forever (cause not found).
 */
export async function timedWithin(deadlineMs: number, what: string, work: () => Promise<unknown>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const start = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), deadlineMs);
    });
    const outcome = await Promise.race([work().then(() => 'done' as const), stalled]);
    clearTimeout(timer);
    if (outcome === 'done') return Number(process.hrtime.bigint() - start) / 1e9;
    if (attempt === 2) throw new Error(`${what} did not finish within ${deadlineMs / 1000} s, twice: the figure cannot be taken. Run the benchmark again.`);
    print(`    (${what} did not finish within ${deadlineMs / 1000} s; taken again)`);
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function megabytes(bytesPerSecond: number): string {
  return (bytesPerSecond / 1e6).toFixed(0).padStart(5);
}

export function row(name: string, figure: string, note: string): string {
  return `    ${name.padEnd(50)} ${figure.padStart(14)}   ${note}`;
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function positiveNumber(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${variable} must be a positive number, not "${text}".`);
  return value;
}

/**
 * Progress that a window or a terminal can show without drowning in events:
 * at most one per 1% of the total or per 100 ms, always the first (so the
 * total is known at once) and always the last (so a bar reaches the end).
 */

export interface HashProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface ProgressReporter {
  /** Reports `bytesDone` if enough has changed since the last event. */
  update(bytesDone: number): void;
  /** Reports `bytesDone` unless that exact figure was the last event (or `always`, when something else in the event changed). */
  finish(bytesDone: number, always?: boolean): void;
}

export const progressIntervalMs = 100;

/** Milliseconds on a monotonic clock. Not performance.now(): the first use of `performance` loads Node's perf_hooks, a cost every command that hashes would pay (issue 11). */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export function progressReporter(
  bytesTotal: number,
  listener: ((progress: HashProgress) => void) | undefined,
  now: () => number = monotonicMs,
): ProgressReporter {
  if (!listener) return { update: () => undefined, finish: () => undefined };
  const step = Math.max(1, Math.ceil(bytesTotal / 100));
  let lastBytes = 0;
  let lastTime = now();
  listener({ bytesDone: 0, bytesTotal });
  const emit = (bytesDone: number, time: number) => {
    lastBytes = bytesDone;
    lastTime = time;
    listener({ bytesDone, bytesTotal });
  };
  return {
    update(bytesDone) {
      if (bytesDone <= lastBytes) return;
      const time = now();
      if (bytesDone - lastBytes >= step || time - lastTime >= progressIntervalMs) emit(bytesDone, time);
    },
    finish(bytesDone, always = false) {
      // An empty file has had its only event (0 of 0) already.
      if (bytesDone !== lastBytes || always) emit(bytesDone, now());
    },
  };
}

/**
 * One hashing thread (hash-thread.ts): it is given files one at a time, by
 * their place in the caller's list, hashes each with blocking reads
 * (hashFileSync: this thread has nothing else to do, and is stopped by ending
 * it), every algorithm in the same single read, and posts the file's
 * progress, then its outcome, each failure as its code, path, message and
 * cause. Several run side by side, one per core (issue 15).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fromSystemError } from './hash-errors';
import { defaultReadSize, hashFileSync, type DigestAlgorithm } from './file-hasher';
import type { HashingMessage, HashingOrder, HashingWorkerData, SentSystemError } from './hash-thread';

const port = parentPort;
const { algorithms, stop } = workerData as HashingWorkerData;
// Set by the caller's thread when the files are no longer wanted: checked between reads, so the open file is closed.
const stopFlag = new Int32Array(stop);
const stopped = () => Atomics.load(stopFlag, 0) !== 0;
// One read buffer for every file this thread hashes.
const buffer = Buffer.allocUnsafe(defaultReadSize);
const post = (message: HashingMessage) => port?.postMessage(message);

port?.on('message', ({ index, path }: HashingOrder) => {
  try {
    const digest = hashFileSync<DigestAlgorithm>(path, { algorithms, buffer, stopped, onProgress: (progress) => post({ kind: 'progress', index, bytesDone: progress.bytesDone }) });
    post({ kind: 'hashed', index, outcome: { ok: true, path, digest } });
  } catch (failure) {
    const error = fromSystemError(path, failure);
    post({ kind: 'hashed', index, outcome: { ok: false, path, error: { code: error.code, path: error.path, message: error.message, cause: systemError(error.cause) } } });
  }
});

/** The operating system's error behind a failure, as plain fields (an Error's own fields do not cross to another thread). */
function systemError(cause: unknown): SentSystemError | undefined {
  if (!(cause instanceof Error)) return undefined;
  const { code, errno, syscall, path } = cause as NodeJS.ErrnoException;
  return { message: cause.message, ...(code !== undefined ? { code } : {}), ...(errno !== undefined ? { errno } : {}), ...(syscall !== undefined ? { syscall } : {}), ...(path !== undefined ? { path } : {}) };
}

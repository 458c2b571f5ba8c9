/**
 * The hashing thread (hash-thread.ts): hashFiles' work, in a worker thread so
 * that a command's artifacts are hashed on another core while its own thread
 * loads and checks everything else (issue 11). It gets the paths and the
 * algorithms, posts progress as it comes, then the outcomes, each failure as
 * its code, path, message and cause.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DigestAlgorithm } from './file-hasher';
import { hashFilesSync } from './hash-files';
import type { HashingRequest, HashingMessage, SentSystemError } from './hash-thread';

const port = parentPort;
const request = workerData as HashingRequest;
const post = (message: HashingMessage) => port?.postMessage(message);

if (port) {
  try {
    // Blocking reads in one loop (hashFilesSync): this thread has nothing else to do, and is stopped by ending it.
    const outcomes = hashFilesSync<DigestAlgorithm>(request.paths, { algorithms: request.algorithms, onProgress: (progress) => post({ kind: 'progress', progress }) });
    post({
      kind: 'done',
      outcomes: outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false, path: outcome.path, error: { code: outcome.error.code, path: outcome.error.path, message: outcome.error.message, cause: systemError(outcome.error.cause) } })),
    });
  } catch (error) {
    post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
}

/** The operating system's error behind a failure, as plain fields (an Error's own fields do not cross to another thread). */
function systemError(cause: unknown): SentSystemError | undefined {
  if (!(cause instanceof Error)) return undefined;
  const { code, errno, syscall, path } = cause as NodeJS.ErrnoException;
  return { message: cause.message, ...(code !== undefined ? { code } : {}), ...(errno !== undefined ? { errno } : {}), ...(syscall !== undefined ? { syscall } : {}), ...(path !== undefined ? { path } : {}) };
}

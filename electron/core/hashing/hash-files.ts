/**
 * Hashing the artifacts of a release together: up to one file per core at a
 * time, one total progress, one bounded set of read buffers, and an outcome
 * per file so that one unreadable file does not hide the others' digests.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { cancelled, fromSystemError, type HashError } from './hash-errors';
import { defaultReadSize, defaultReadsAhead, hashFile, type DigestAlgorithm, type FileDigest } from './file-hasher';
import { progressReporter, type HashProgress } from './progress';
import { ReadBufferPool } from './read-buffer-pool';

export type FileHashOutcome<A extends DigestAlgorithm> = { ok: true; path: string; digest: FileDigest<A> } | { ok: false; path: string; error: HashError };

export interface FilesProgress extends HashProgress {
  filesDone: number;
  filesTotal: number;
}

export interface HashFilesOptions<A extends DigestAlgorithm> {
  algorithms?: readonly A[];
  /** Aborting stops every file; hashFiles then rejects with HashError code "cancelled" once nothing is left running. */
  signal?: AbortSignal;
  /** Files hashed at once; default: the number of cores. */
  concurrency?: number;
  /** Total over all files, throttled like a single file's. A file that fails counts as done, so the total is always reached. */
  onProgress?: (progress: FilesProgress) => void;
  /** Each file's outcome as soon as it is known (not in order). */
  onFileSettled?: (outcome: FileHashOutcome<A>, index: number) => void;
  readSize?: number;
  readsAhead?: number;
  /** Read buffers to share; its capacity then bounds the files hashed at once. */
  pool?: ReadBufferPool;
  /**
   * For a caller that needs every file (an opening): the first file that fails stops the others, and hashFiles
   * rejects with that file's HashError once nothing is left running, instead of hashing the rest for nothing.
   */
  stopAtFirstFailure?: boolean;
}

/** Outcomes in the order of `paths`. */
export async function hashFiles<A extends DigestAlgorithm = 'sha256'>(paths: readonly string[], options: HashFilesOptions<A> = {}): Promise<FileHashOutcome<A>[]> {
  const { signal: callerSignal } = options;
  if (callerSignal?.aborted) throw cancelled(paths[0] ?? '');
  // Stops the files still being hashed once one has failed (stopAtFirstFailure); the caller's signal stops them too.
  const stopAll = new AbortController();
  const signal = callerSignal ? AbortSignal.any([callerSignal, stopAll.signal]) : stopAll.signal;
  let firstFailure: HashError | undefined;
  let concurrency = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), paths.length));
  let readsAhead = options.readsAhead ?? defaultReadsAhead;
  if (options.pool) {
    concurrency = Math.min(concurrency, options.pool.capacity);
    readsAhead = Math.max(1, Math.min(readsAhead, Math.floor(options.pool.capacity / concurrency)));
  }
  // One cap for all files together: memory is concurrency × readsAhead × readSize, whatever the files.
  const pool = options.pool ?? new ReadBufferPool(options.readSize ?? defaultReadSize, concurrency * readsAhead);

  // Sizes first, so the total is known before the first byte is hashed; failures here surface as that file's outcome.
  const sizes = await Promise.all(paths.map((path) => stat(path).then((stats) => (stats.isFile() ? stats.size : 0), () => 0)));
  const progress = filesProgress(sizes, options.onProgress, () => signal.aborted);
  const fileProgressed = progress.fileProgressed;

  const outcomes: FileHashOutcome<A>[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length && !signal.aborted) {
      const index = next++;
      const path = paths[index]!;
      let outcome: FileHashOutcome<A>;
      try {
        const digest = await hashFile<A>(path, {
          ...(options.algorithms ? { algorithms: options.algorithms } : {}),
          signal,
          pool,
          readsAhead,
          onProgress: (progress) => fileProgressed(index, progress.bytesDone),
        });
        outcome = { ok: true, path, digest };
      } catch (error) {
        if (signal.aborted) return;
        outcome = { ok: false, path, error: fromSystemError(path, error) };
      }
      progress.fileDone(index);
      outcomes[index] = outcome;
      options.onFileSettled?.(outcome, index);
      if (!outcome.ok && options.stopAtFirstFailure) {
        firstFailure ??= outcome.error;
        stopAll.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (callerSignal?.aborted) {
    const unfinished = paths.findIndex((_path, index) => outcomes[index] === undefined);
    throw cancelled(paths[unfinished] ?? paths[0] ?? '');
  }
  if (firstFailure) throw firstFailure;
  progress.finish();
  return outcomes;
}

/** One progress over several files, throttled like a single file's; a file that fails counts as done, so the total is always reached. */
export function filesProgress(sizes: readonly number[], onProgress: ((progress: FilesProgress) => void) | undefined, stopped: () => boolean) {
  const bytesTotal = sizes.reduce((sum, size) => sum + size, 0);
  const perFile = sizes.map(() => 0);
  let bytesDone = 0;
  let filesDone = 0;
  let filesDoneShown = 0;
  const total = progressReporter(
    bytesTotal,
    onProgress &&
      ((progress) => {
        filesDoneShown = filesDone;
        onProgress({ ...progress, filesDone, filesTotal: sizes.length });
      }),
  );
  const fileProgressed = (index: number, bytes: number) => {
    bytesDone += bytes - perFile[index]!;
    perFile[index] = bytes;
    if (!stopped()) total.update(bytesDone);
  };
  return {
    fileProgressed,
    /** The file's planned bytes are settled either way (a file that grew or shrank is a failure, so its size holds for successes). */
    fileDone(index: number) {
      filesDone += 1;
      fileProgressed(index, sizes[index]!);
    },
    /** The last file's bytes may have been shown before it counted as done: the final event says every file is done. */
    finish() {
      total.finish(bytesDone, filesDoneShown !== filesDone);
    },
  };
}

/**
 * Hashing the artifacts of a release together: up to one file per core at a
 * time, one total progress, one bounded set of read buffers, and an outcome
 * per file so that one unreadable file does not hide the others' digests.
 */
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { cancelled, fromSystemError, type HashError } from './hash-errors';
import { defaultReadSize, defaultReadsAhead, hashFile, hashFileSync, type DigestAlgorithm, type FileDigest } from './file-hasher';
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
}

/** Outcomes in the order of `paths`. */
export async function hashFiles<A extends DigestAlgorithm = 'sha256'>(paths: readonly string[], options: HashFilesOptions<A> = {}): Promise<FileHashOutcome<A>[]> {
  const { signal } = options;
  if (signal?.aborted) throw cancelled(paths[0] ?? '');
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
  const progress = filesProgress(sizes, options.onProgress, () => signal?.aborted === true);
  const fileProgressed = progress.fileProgressed;

  const outcomes: FileHashOutcome<A>[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length && !signal?.aborted) {
      const index = next++;
      const path = paths[index]!;
      let outcome: FileHashOutcome<A>;
      try {
        const digest = await hashFile<A>(path, {
          ...(options.algorithms ? { algorithms: options.algorithms } : {}),
          ...(signal ? { signal } : {}),
          pool,
          readsAhead,
          onProgress: (progress) => fileProgressed(index, progress.bytesDone),
        });
        outcome = { ok: true, path, digest };
      } catch (error) {
        if (signal?.aborted) return;
        outcome = { ok: false, path, error: fromSystemError(path, error) };
      }
      progress.fileDone(index);
      outcomes[index] = outcome;
      options.onFileSettled?.(outcome, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (signal?.aborted) {
    const unfinished = paths.findIndex((_path, index) => outcomes[index] === undefined);
    throw cancelled(paths[unfinished] ?? paths[0] ?? '');
  }
  progress.finish();
  return outcomes;
}

/**
 * hashFiles in one blocking loop, file after file, for a thread that does
 * nothing else (hash-worker.ts, see hashFileSync): the same outcomes, in
 * the order of `paths`, and the same progress over all files.
 */
export function hashFilesSync<A extends DigestAlgorithm = 'sha256'>(
  paths: readonly string[],
  options: { algorithms?: readonly A[]; onProgress?: (progress: FilesProgress) => void; readSize?: number } = {},
): FileHashOutcome<A>[] {
  const sizes = paths.map((path) => {
    try {
      const stats = statSync(path);
      return stats.isFile() ? stats.size : 0;
    } catch {
      return 0;
    }
  });
  const progress = filesProgress(sizes, options.onProgress, () => false);
  const buffer = Buffer.allocUnsafe(options.readSize ?? defaultReadSize);
  const outcomes = paths.map((path, index): FileHashOutcome<A> => {
    let outcome: FileHashOutcome<A>;
    try {
      const digest = hashFileSync<A>(path, { ...(options.algorithms ? { algorithms: options.algorithms } : {}), buffer, onProgress: (file) => progress.fileProgressed(index, file.bytesDone) });
      outcome = { ok: true, path, digest };
    } catch (error) {
      outcome = { ok: false, path, error: fromSystemError(path, error) };
    }
    progress.fileDone(index);
    return outcome;
  });
  progress.finish();
  return outcomes;
}

/** One progress over several files, throttled like a single file's; a file that fails counts as done, so the total is always reached. */
function filesProgress(sizes: readonly number[], onProgress: ((progress: FilesProgress) => void) | undefined, stopped: () => boolean) {
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

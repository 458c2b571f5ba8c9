/**
 * An opening's artifacts hashed at once on the command's own thread, before
 * its code has loaded (issue 11), where they are too few bytes to pay for a
 * thread: starting one costs 60–80 ms of CPU, about what hashing 100 MB
 * costs with the CPU's SHA instructions, and on a two-core machine the token
 * host's thread is starting on the other core at that moment. Hashing here
 * blocks the command for at most defaultBytesPerThread of reading (a
 * fraction of a second), before anything else of it has started.
 *
 * It answers as hashing on threads does (StartedHashing), so the opening
 * takes it over the same way: the same outcomes and HashErrors (the first
 * file that fails ends the rest, as an opening needs), the last progress
 * figure, and "cancelled" once stopped.
 */
import { sameList } from '../../../shared/lists/same-list';
import { cancelled, fromSystemError } from './hash-errors';
import { defaultReadSize, hashFileSync, type DigestAlgorithm } from './file-hasher';
import { filesProgress, type FileHashOutcome, type FilesProgress } from './hash-files';
import type { StartedHashing } from './hash-thread';

export class HashedHere<A extends DigestAlgorithm> implements StartedHashing<A> {
  private readonly ending: { outcomes: FileHashOutcome<A>[] } | { failure: FileHashOutcome<A> & { ok: false } };
  private latest: FilesProgress | undefined;
  private stopped = false;

  constructor(
    readonly paths: readonly string[],
    readonly algorithms: readonly A[],
    sizes: readonly number[],
  ) {
    const progress = filesProgress(sizes, (event) => (this.latest = event), () => false);
    const buffer = Buffer.allocUnsafe(defaultReadSize);
    const outcomes: FileHashOutcome<A>[] = [];
    for (const [index, path] of paths.entries()) {
      let outcome: FileHashOutcome<A>;
      try {
        outcome = { ok: true, path, digest: hashFileSync<A>(path, { algorithms, buffer, onProgress: (event) => progress.fileProgressed(index, event.bytesDone) }) };
      } catch (error) {
        outcome = { ok: false, path, error: fromSystemError(path, error) };
      }
      progress.fileDone(index);
      if (!outcome.ok) {
        this.ending = { failure: outcome };
        return;
      }
      outcomes.push(outcome);
    }
    progress.finish();
    this.ending = { outcomes };
  }

  hashes(paths: readonly string[], algorithms: readonly string[]): boolean {
    return sameList(this.paths, paths) && sameList(this.algorithms, algorithms);
  }

  async follow(options: { onProgress?: (progress: FilesProgress) => void; signal?: AbortSignal } = {}): Promise<FileHashOutcome<A>[]> {
    if (this.stopped || options.signal?.aborted) {
      this.stopped = true;
      throw cancelled(this.paths[0] ?? '');
    }
    if (this.latest) options.onProgress?.(this.latest);
    if ('failure' in this.ending) throw this.ending.failure.error;
    return this.ending.outcomes;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}


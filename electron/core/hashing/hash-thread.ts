/**
 * hashFiles on worker threads (hash-worker.ts): the same reads, digests,
 * outcomes and progress, on other cores than the caller's. A CLI command
 * that opens a ceremony starts hashing its artifacts this way as soon as it
 * has read its arguments, while its own thread loads the ceremony engine and
 * checks the policy and the key (issue 11): hashing and starting up overlap.
 * Several artifacts are hashed side by side, up to one thread per core
 * (issue 15), when there is enough to hash to pay for starting the threads
 * (defaultBytesPerThread).
 *
 * Where there is no built worker (under Vitest, which runs the TypeScript
 * sources), or a thread cannot start or fails, the files are hashed on the
 * caller's thread instead, with the same answer.
 */
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { sameList } from '../../../shared/lists/same-list';
import { startThread } from '../threads/start-thread';
import { cancelled, HashError, type HashErrorCode } from './hash-errors';
import { HashedHere } from './hashed-here';
import { filesProgress, hashFiles, type FileHashOutcome, type FilesProgress, type HashFilesOptions } from './hash-files';
import type { DigestAlgorithm, FileDigest } from './file-hasher';

/** What every thread is started with: the algorithms, all computed in the same single read of a file, and the stop flag. */
export interface HashingWorkerData {
  algorithms: DigestAlgorithm[];
  /** One Int32, set to 1 when the files are no longer wanted (shared by every thread of the set). */
  stop: SharedArrayBuffer;
}

/**
 * How long a stopped thread is given to finish its current read and close its
 * file before it is ended where it is (a read of a stalled network disk can
 * block for long; one read of a local disk takes milliseconds).
 */
const closeGraceMs = 1000;

/**
 * Bytes of hashing that pay for one more thread. Starting and ending a thread
 * costs 60–80 ms of CPU (measured on the 2-core bench machine), and SHA-256
 * with the CPU's SHA instructions runs at about 1 GB/s: two threads only beat
 * one loop here once there are well over 100 MB to hash. So files are spread
 * over threads only as far as each gets at least this much.
 */
export const defaultBytesPerThread = 128 * 1024 * 1024;

/** A file's size, or 0 where it cannot be stat-ed or is not a file (its hashing then fails with the reason). */
const sizeOf = (path: string) => stat(path).then((stats) => (stats.isFile() ? stats.size : 0), () => 0);

function sizeOfSync(path: string): number {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats.size : 0;
  } catch {
    return 0;
  }
}

/** Threads for files of these sizes: one per `bytesPerThread` of them, at most `most` (the cores) and one per file. */
export function threadsFor(sizes: readonly number[], most: number, bytesPerThread = defaultBytesPerThread): number {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  return Math.max(1, Math.min(most, sizes.length, Math.ceil(total / Math.max(1, bytesPerThread))));
}

/** One file for a thread to hash, by its place in the caller's list. */
export interface HashingOrder {
  index: number;
  path: string;
}

/** The operating system's error behind a failed file, as plain fields. */
export interface SentSystemError {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

/** A failed file as it crosses to this thread: its HashError's code, path, message and cause. */
type SentOutcome =
  | { ok: true; path: string; digest: FileDigest<DigestAlgorithm> }
  | { ok: false; path: string; error: { code: HashErrorCode; path: string; message: string; cause?: SentSystemError | undefined } };

/** What a thread posts about the file it was given: bytes read so far, then its outcome. */
export type HashingMessage = { kind: 'progress'; index: number; bytesDone: number } | { kind: 'hashed'; index: number; outcome: SentOutcome };

/**
 * The built worker: the command line's CommonJS one beside this code in
 * out/main/cjs (it starts sooner), else the one next to the entry points in
 * out/main (this code sits in out/main or a chunk folder below it);
 * undefined from source.
 */
export function hashWorkerEntry(): string | undefined {
  for (const candidate of ['./hash-worker.cjs', './hash-worker.js', '../hash-worker.js']) {
    const built = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(built)) return built;
  }
  return undefined;
}

export interface HashingThreadOptions<A extends DigestAlgorithm> {
  /** Threads at most; default: the number of cores (never more than the files). */
  concurrency?: number;
  /** Bytes that pay for one more thread (default: defaultBytesPerThread); at least one thread is started. */
  bytesPerThread?: number;
  /**
   * "stop" (the default, what an opening needs: every file or none): the first file that fails ends every thread,
   * and follow() rejects with that file's HashError. "continue": every file gets its outcome (the digest command).
   */
  onFailure?: 'stop' | 'continue';
  /** Each file's outcome as soon as it is known (not in order), followed or not. */
  onFileSettled?: (outcome: FileHashOutcome<A>, index: number) => void;
}

/** How the threads ended: every outcome, the failure that stopped them, or nothing (a thread failed, or they were stopped). */
type Ending<A extends DigestAlgorithm> = { outcomes: FileHashOutcome<A>[] } | { failure: HashError } | undefined;

/**
 * Hashing started ahead of the code that will ask for it: on threads
 * (HashingThread) or, for a few bytes, already done on this one (HashedHere).
 * Whoever asks for the same files and algorithms takes it over.
 */
export interface StartedHashing<A extends DigestAlgorithm> {
  readonly paths: readonly string[];
  readonly algorithms: readonly A[];
  /** Whether it hashes exactly these files, in this order, with these algorithms (what a caller may take over). */
  hashes(paths: readonly string[], algorithms: readonly string[]): boolean;
  /** The outcomes in the order of the paths, as hashFiles gives them; the first file that fails rejects with its HashError, a stop with "cancelled". */
  follow(options?: { onProgress?: (progress: FilesProgress) => void; signal?: AbortSignal }): Promise<FileHashOutcome<A>[]>;
  /** Ends it; resolves once nothing of it is left running. */
  stop(): Promise<void>;
}

/**
 * Files being hashed on threads, started now; `follow` gives their outcomes
 * (progress and a way to stop them too), `stop` ends the threads unfollowed.
 * Each thread is given the next file in the list as it finishes one, so a
 * large file does not hold up the rest.
 */
export class HashingThread<A extends DigestAlgorithm> implements StartedHashing<A> {
  private readonly workers: Worker[] = [];
  /** Threads hashing a file now: stopped, each closes it before it is ended. */
  private readonly busy = new Set<Worker>();
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly settled: Promise<Ending<A>>;
  private settle: (ending: Ending<A>) => void = () => undefined;
  private ended: Promise<unknown> | undefined;
  private latest: FilesProgress | undefined;
  private listener: ((progress: FilesProgress) => void) | undefined;
  private stopped = false;
  /** The answer is in (or the threads were stopped): messages still queued are ignored. */
  private finished = false;
  private readonly onFailure: 'stop' | 'continue';

  constructor(
    readonly paths: readonly string[],
    readonly algorithms: readonly A[],
    entry: string,
    private readonly options: HashingThreadOptions<A> = {},
  ) {
    this.onFailure = options.onFailure ?? 'stop';
    this.settled = new Promise((resolve) => {
      this.settle = (ending) => {
        this.settle = () => undefined;
        this.finished = true;
        // Nothing outlives the answer: busy threads stop at their next read and close their file, idle ones are ended
        // at once (each would wait for its next file).
        Atomics.store(this.stopFlag, 0, 1);
        this.ended = Promise.all(this.workers.map((worker) => (this.busy.has(worker) ? closed(worker) : Promise.resolve()).then(() => worker.terminate())));
        resolve(ending);
      };
    });
    // Sizes now (a few stat calls): they decide how many threads are worth starting, and the total progress.
    const sizes = paths.map(sizeOfSync);
    const count = paths.length === 0 ? 0 : threadsFor(sizes, options.concurrency ?? availableParallelism(), options.bytesPerThread);
    const workerData: HashingWorkerData = { algorithms: [...algorithms], stop: this.stopFlag.buffer as SharedArrayBuffer };
    try {
      for (let made = 0; made < count; made += 1) {
        // Built code only: the parent's loader flags (a TypeScript loader when run from the sources) would slow its start for nothing.
        // No environment: a thread that only reads files needs none, and an early one starts before a command has taken its --pin-env PIN out.
        const worker = startThread(entry, { workerData, name: 'conclave-hashing', execArgv: [], env: {} });
        // Nobody waits for them yet: unfollowed threads never keep the process alive (follow() holds them while awaited).
        worker.unref();
        worker.on('error', () => this.settle(undefined));
        worker.on('exit', () => this.settle(undefined));
        this.workers.push(worker);
      }
    } catch (error) {
      this.settle(undefined);
      throw error;
    }
    this.hand(sizes);
  }

  /** Hands the files to the threads, one each at a time, and gathers outcomes and progress. */
  private hand(sizes: readonly number[]): void {
    const progress = filesProgress(
      sizes,
      (event) => {
        this.latest = event;
        this.listener?.(event);
      },
      () => this.stopped,
    );
    const outcomes: FileHashOutcome<A>[] = new Array(this.paths.length);
    let next = 0;
    let settledFiles = 0;
    if (this.paths.length === 0) {
      progress.finish();
      return this.settle({ outcomes });
    }
    const giveNext = (worker: Worker) => {
      if (this.finished || next >= this.paths.length) return;
      const order: HashingOrder = { index: next, path: this.paths[next]! };
      next += 1;
      this.busy.add(worker);
      worker.postMessage(order);
    };
    for (const worker of this.workers) {
      worker.on('message', (message: HashingMessage) => {
        if (this.finished) return;
        if (message.kind === 'progress') return progress.fileProgressed(message.index, message.bytesDone);
        this.busy.delete(worker);
        const outcome = received<A>(message.outcome);
        outcomes[message.index] = outcome;
        settledFiles += 1;
        progress.fileDone(message.index);
        this.options.onFileSettled?.(outcome, message.index);
        if (!outcome.ok && this.onFailure === 'stop') return this.settle({ failure: outcome.error });
        if (settledFiles < this.paths.length) return giveNext(worker);
        progress.finish();
        this.settle({ outcomes });
      });
      giveNext(worker);
    }
  }

  /**
   * The outcomes, in the order of the paths, as hashFiles gives them. Progress
   * goes to `onProgress` from now on (the latest figure first, if any came);
   * aborting `signal` ends the threads and rejects with HashError "cancelled"
   * once they have ended. A file that fails (onFailure "stop") rejects with its
   * own HashError once every thread has ended. Threads that fail are replaced
   * by hashing here.
   */
  async follow(options: { onProgress?: (progress: FilesProgress) => void; signal?: AbortSignal } = {}): Promise<FileHashOutcome<A>[]> {
    const { signal, onProgress } = options;
    if (signal?.aborted || this.stopped) {
      await this.stop();
      throw cancelled(this.paths[0] ?? '');
    }
    this.listener = onProgress;
    if (onProgress && this.latest) onProgress(this.latest);
    for (const worker of this.workers) worker.ref();
    const abort = () => void this.stop();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const ending = await this.settled;
      await this.ended;
      if (signal?.aborted || this.stopped) {
        await this.stop();
        throw cancelled(this.paths[0] ?? '');
      }
      if (ending && 'failure' in ending) throw ending.failure;
      if (ending) return ending.outcomes;
      // A thread failed without an answer: hash here instead.
      return await hashFiles<A>(this.paths, {
        algorithms: this.algorithms,
        stopAtFirstFailure: this.onFailure === 'stop',
        ...(onProgress ? { onProgress } : {}),
        ...(signal ? { signal } : {}),
        ...(this.options.onFileSettled ? { onFileSettled: this.options.onFileSettled } : {}),
      });
    } finally {
      signal?.removeEventListener('abort', abort);
      this.listener = undefined;
      for (const worker of this.workers) worker.unref();
    }
  }

  /** Whether these threads hash exactly these files, in this order, with these algorithms (what a caller may take over). */
  hashes(paths: readonly string[], algorithms: readonly string[]): boolean {
    return sameList(this.paths, paths) && sameList(this.algorithms, algorithms);
  }

  /** Ends the threads; resolves once they have ended (no read of theirs is left running). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.settle(undefined);
    await this.ended;
  }
}

/**
 * hashFiles on threads, side by side, where there is a built worker and
 * enough to hash for two threads at least; else on this thread (a single
 * thread would only add its start to the same work). The same outcomes,
 * progress, cancelling and stopAtFirstFailure either way. (The read-buffer
 * options only apply here: a thread has one buffer of its own.)
 */
export async function hashFilesOnThreads<A extends DigestAlgorithm = 'sha256'>(
  paths: readonly string[],
  options: HashFilesOptions<A> & { bytesPerThread?: number } = {},
  entry = hashWorkerEntry(),
): Promise<FileHashOutcome<A>[]> {
  const { signal, onProgress, onFileSettled, bytesPerThread } = options;
  if (!entry || paths.length < 2 || signal?.aborted) return hashFiles<A>(paths, options);
  const most = options.concurrency ?? availableParallelism();
  if (threadsFor(await Promise.all(paths.map(sizeOf)), most, bytesPerThread) < 2) return hashFiles<A>(paths, options);
  let threads: HashingThread<A>;
  try {
    threads = new HashingThread<A>(paths, options.algorithms ?? (['sha256'] as A[]), entry, {
      onFailure: options.stopAtFirstFailure ? 'stop' : 'continue',
      concurrency: most,
      ...(bytesPerThread !== undefined ? { bytesPerThread } : {}),
      ...(onFileSettled ? { onFileSettled } : {}),
    });
  } catch {
    return hashFiles<A>(paths, options);
  }
  return threads.follow({ ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
}

/**
 * Hashing started by startHashingEarly, until startHashingThread is asked for
 * the same files. Kept on the process, not in this module: the command
 * line's first file (cli-start.cjs) is bundled apart from the rest, so this
 * module is loaded twice, once in each.
 */
const earlyKey = Symbol.for('conclave.hashing-started-early');
const early = globalThis as { [earlyKey]?: StartedHashing<DigestAlgorithm> | undefined };

/**
 * Starts hashing in a thread now, or returns undefined where there is no
 * built worker (the caller then hashes itself). Hashing of the same files
 * and algorithms started earlier (startHashingEarly) is handed over instead
 * of starting again; any other is stopped.
 */
export function startHashingThread<A extends DigestAlgorithm>(paths: readonly string[], algorithms: readonly A[], entry = hashWorkerEntry()): StartedHashing<A> | undefined {
  const started = early[earlyKey];
  early[earlyKey] = undefined;
  if (started?.hashes(paths, algorithms)) return started as unknown as StartedHashing<A>;
  void started?.stop();
  if (!entry || paths.length === 0) return undefined;
  try {
    return new HashingThread(paths, algorithms, entry);
  } catch {
    return undefined;
  }
}

/**
 * Starts hashing files before the code that will ask for them has loaded
 * (the command line's first step, electron/cli/start.ts): the first
 * startHashingThread for the same files takes it over. Files of at most
 * `bytesHere` together are hashed at once on this thread (HashedHere: a
 * thread's start would cost as much as their hashing); more go to threads,
 * which keep no process alive while nobody waits for them (unreferenced
 * until followed).
 */
export function startHashingEarly(paths: readonly string[], algorithms: readonly DigestAlgorithm[], entry = hashWorkerEntry(), bytesHere = defaultBytesPerThread): StartedHashing<DigestAlgorithm> | undefined {
  const sizes = paths.map(sizeOfSync);
  if (paths.length > 0 && sizes.reduce((sum, size) => sum + size, 0) <= bytesHere) {
    void early[earlyKey]?.stop();
    early[earlyKey] = new HashedHere(paths, algorithms, sizes);
    return early[earlyKey];
  }
  const thread = startHashingThread(paths, algorithms, entry);
  early[earlyKey] = thread;
  return thread;
}
/** Resolves once a stopped thread has answered for its file (its file is closed then), has ended, or after the grace period. */
function closed(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', done);
      resolve();
    };
    const onMessage = (message: HashingMessage) => {
      if (message.kind === 'hashed') done();
    };
    // Unreferenced: a process that has nothing else to do may end meanwhile (its end closes the file too).
    const timer = setTimeout(done, closeGraceMs).unref();
    worker.on('message', onMessage);
    worker.on('exit', done);
  });
}

function received<A extends DigestAlgorithm>(outcome: SentOutcome): FileHashOutcome<A> {
  if (outcome.ok) return outcome as FileHashOutcome<A>;
  const { cause } = outcome.error;
  const systemError = cause === undefined ? undefined : Object.assign(new Error(cause.message), { ...cause, message: cause.message });
  return { ok: false, path: outcome.path, error: new HashError(outcome.error.code, outcome.error.path, outcome.error.message, systemError ? { cause: systemError } : undefined) };
}

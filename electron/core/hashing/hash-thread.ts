/**
 * hashFiles in a worker thread (hash-worker.ts): the same reads, digests,
 * outcomes and progress, on another core than the caller's (issue 11). A
 * CLI command that opens a ceremony starts hashing its artifacts this way as
 * soon as it has read its arguments, while its own thread loads the ceremony
 * engine and checks the policy and the key: hashing a large artifact and
 * starting up then overlap instead of following each other.
 *
 * Where there is no built worker (under Vitest, which runs the TypeScript
 * sources), or the thread cannot start or fails, the files are hashed on the
 * caller's thread instead, with the same answer.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { cancelled, HashError, type HashErrorCode } from './hash-errors';
import { hashFiles, type FileHashOutcome, type FilesProgress } from './hash-files';
import type { DigestAlgorithm, FileDigest } from './file-hasher';

/** What the thread is asked to hash. */
export interface HashingRequest {
  paths: string[];
  algorithms: DigestAlgorithm[];
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

/** What the thread posts: progress as hashFiles reports it, then the outcomes (or why there are none). */
export type HashingMessage = { kind: 'progress'; progress: FilesProgress } | { kind: 'done'; outcomes: SentOutcome[] } | { kind: 'failed'; message: string };

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

/**
 * Files being hashed in a thread, started now; `follow` gives their outcomes
 * (progress and a way to stop them too), `stop` ends the thread unfollowed.
 */
export class HashingThread<A extends DigestAlgorithm> {
  private readonly worker: Worker;
  private readonly settled: Promise<FileHashOutcome<A>[] | undefined>;
  private latest: FilesProgress | undefined;
  private listener: ((progress: FilesProgress) => void) | undefined;
  private stopped = false;

  constructor(
    readonly paths: readonly string[],
    readonly algorithms: readonly A[],
    entry: string,
  ) {
    const request: HashingRequest = { paths: [...paths], algorithms: [...algorithms] };
    this.worker = new Worker(entry, { workerData: request, name: 'conclave-hashing' });
    // Nobody waits for it yet: an unfollowed thread never keeps the process alive (follow() holds it while it is awaited).
    this.worker.unref();
    // undefined: the thread failed or was stopped, without outcomes.
    this.settled = new Promise((resolve) => {
      this.worker.on('message', (message: HashingMessage) => {
        if (message.kind === 'progress') {
          this.latest = message.progress;
          this.listener?.(message.progress);
        } else if (message.kind === 'done') resolve(message.outcomes.map((outcome) => received<A>(outcome)));
        else resolve(undefined);
      });
      this.worker.on('error', () => resolve(undefined));
      this.worker.on('exit', () => resolve(undefined));
    });
  }

  /**
   * The outcomes, in the order of the paths, as hashFiles gives them. Progress
   * goes to `onProgress` from now on (the latest figure first, if any came);
   * aborting `signal` ends the thread and rejects with HashError "cancelled"
   * once it has ended. A thread that fails is replaced by hashing here.
   */
  async follow(options: { onProgress?: (progress: FilesProgress) => void; signal?: AbortSignal } = {}): Promise<FileHashOutcome<A>[]> {
    const { signal, onProgress } = options;
    if (signal?.aborted || this.stopped) {
      await this.stop();
      throw cancelled(this.paths[0] ?? '');
    }
    this.listener = onProgress;
    if (onProgress && this.latest) onProgress(this.latest);
    this.worker.ref();
    const abort = () => void this.stop();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const outcomes = await this.settled;
      if (signal?.aborted || this.stopped) {
        await this.stop();
        throw cancelled(this.paths[0] ?? '');
      }
      if (outcomes) return outcomes;
      // The thread failed without an answer: hash here instead.
      return await hashFiles<A>(this.paths, { algorithms: this.algorithms, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    } finally {
      signal?.removeEventListener('abort', abort);
      this.listener = undefined;
      this.worker.unref();
    }
  }

  /** Whether this thread hashes exactly these files, in this order, with these algorithms (what a caller may take over). */
  hashes(paths: readonly string[], algorithms: readonly string[]): boolean {
    return sameList(this.paths, paths) && sameList(this.algorithms, algorithms);
  }

  /** Ends the thread; resolves once it has ended (no read of it is left running). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }
}

/**
 * Hashing started by startHashingEarly, until startHashingThread is asked for
 * the same files. Kept on the process, not in this module: the command
 * line's first file (cli-start.cjs) is bundled apart from the rest, so this
 * module is loaded twice, once in each.
 */
const earlyKey = Symbol.for('conclave.hashing-started-early');
const early = globalThis as { [earlyKey]?: HashingThread<DigestAlgorithm> | undefined };

/**
 * Starts hashing in a thread now, or returns undefined where there is no
 * built worker (the caller then hashes itself). Hashing of the same files
 * and algorithms started earlier (startHashingEarly) is handed over instead
 * of starting again; any other is stopped.
 */
export function startHashingThread<A extends DigestAlgorithm>(paths: readonly string[], algorithms: readonly A[], entry = hashWorkerEntry()): HashingThread<A> | undefined {
  const started = early[earlyKey];
  early[earlyKey] = undefined;
  if (started?.hashes(paths, algorithms)) return started as unknown as HashingThread<A>;
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
 * startHashingThread for the same files takes it over. Nobody waiting for it
 * keeps no process alive (the thread is unreferenced until followed).
 */
export function startHashingEarly(paths: readonly string[], algorithms: readonly DigestAlgorithm[], entry = hashWorkerEntry()): HashingThread<DigestAlgorithm> | undefined {
  const thread = startHashingThread(paths, algorithms, entry);
  early[earlyKey] = thread;
  return thread;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, index) => item === b[index]);

function received<A extends DigestAlgorithm>(outcome: SentOutcome): FileHashOutcome<A> {
  if (outcome.ok) return outcome as FileHashOutcome<A>;
  const { cause } = outcome.error;
  const systemError = cause === undefined ? undefined : Object.assign(new Error(cause.message), { ...cause, message: cause.message });
  return { ok: false, path: outcome.path, error: new HashError(outcome.error.code, outcome.error.path, outcome.error.message, systemError ? { cause: systemError } : undefined) };
}

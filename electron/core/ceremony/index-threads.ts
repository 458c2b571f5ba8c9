/**
 * Judging many ceremonies on worker threads (index-worker.ts), one per core,
 * for the summary index (issue 15): a first start on a synced store of
 * 10,000 ceremonies verified every signature on one thread. Batches go out
 * in the order given (newest first), so the first rows are judged first.
 *
 * Under Vitest the worker runs from its TypeScript source through tsx. A
 * thread that cannot start or fails leaves the rest to this thread, with the
 * same answer.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SharedCheckedSignatures } from '../crypto/checked-signatures';
import { runBatchesOnThread, type ThreadEntry } from '../threads/batches-on-thread';
import type { IndexedCeremony } from './index-judging';

export interface IndexThreadSetup {
  dataDir: string;
  storeDir: string;
  /** The core's clock minus this machine's, in ms. */
  clockOffsetMs: number;
  /** Signatures already checked, read once for every thread (crypto/checked-signatures.ts). */
  checkedSignatures?: SharedCheckedSignatures;
}
export interface IndexThreadRequest {
  /** Which batch: a thread holds two at a time, and answers each as it is done. */
  batch: number;
  ids: string[];
}
export interface IndexThreadAnswer {
  batch: number;
  judged: { id: string; indexed: IndexedCeremony | undefined }[];
}

export interface IndexThreadOptions {
  /** How many threads; by default one per core, at most four. */
  count?: number;
  /** The worker to start (index-worker, built or as source). */
  entry?: ThreadEntry;
  /**
   * Whether this thread judges too, from the first ceremony until a thread answers: the newest rows come before any
   * thread has started (tens to hundreds of ms). On by default; tests turn it off to see the threads' own work.
   */
  alsoHere?: boolean;
  /** How long a thread may take to answer a batch before it is ended and its batches judged here (ms). */
  answerWithinMs?: number;
}

/**
 * A batch of 64 takes a thread tens of milliseconds, seconds on a slow disk.
 * A thread that takes a minute is stuck (once seen and not understood: the
 * index waited for it forever), and is ended so this thread takes over.
 */
const answerWithinMs = 60_000;

/**
 * Ceremonies sent to a thread at once, once the first pages are in (those come in batches of firstBatchSize, so their
 * rows come back soon): large enough that messages cost little. A thread reads a batch's files before it judges any
 * (index-judging.ts); 64 rather than 16 made the built-again index about 4% faster on the bench machine (A/B pairs),
 * and the last batch still takes well under a tenth of a second.
 */
const batchSize = 64;
const firstBatchSize = 4;
/** About the rows of the first few pages. */
const firstPagesRows = 300;

/**
 * The built worker beside this code (out/main, a chunk folder below it, or
 * the command line's CommonJS build); from source (Vitest), a few lines that
 * load the source through tsx's require hook, as Node 20 does not apply
 * `--import tsx` to a worker's own entry.
 */
export function indexWorkerEntry(): ThreadEntry | undefined {
  for (const candidate of ['./index-worker.cjs', './index-worker.js', '../index-worker.js']) {
    const built = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(built)) return { script: built, eval: false };
  }
  const source = fileURLToPath(new URL('./index-worker.ts', import.meta.url));
  if (!existsSync(source)) return undefined;
  let tsx: string;
  try {
    tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  } catch {
    return undefined;
  }
  return { script: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`, eval: true };
}

export function defaultThreadCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Judges `ids` on threads, calling `onJudged` for each as its batch comes back
 * (undefined: it could not be loaded). `here` judges one on this thread: the
 * fallback when a thread cannot start or fails.
 */
export async function judgeOnThreads(
  ids: readonly string[],
  setup: IndexThreadSetup,
  onJudged: (id: string, indexed: IndexedCeremony | undefined) => void,
  here: (id: string) => Promise<IndexedCeremony | undefined>,
  options: IndexThreadOptions = {},
): Promise<void> {
  const queue = [...ids];
  const entry = options.entry ?? indexWorkerEntry();
  const judgeHere = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) onJudged(id, await here(id));
  };
  // This thread judges the newest until a thread answers, then leaves the rest to the threads: on two cores, a third
  // judge (reading through the thread pool, besides answering the window) made the whole index a quarter slower.
  let threadsAnswering = false;
  const judgeHereUntilThreadsAnswer = async () => {
    for (let id = threadsAnswering ? undefined : queue.shift(); id !== undefined; id = threadsAnswering ? undefined : queue.shift()) onJudged(id, await here(id));
  };
  const runThread = async () => {
    const finished =
      entry !== undefined &&
      (await runBatchesOnThread<string, IndexThreadAnswer>({
        entry,
        setup: setup satisfies IndexThreadSetup,
        name: 'conclave-index',
        queue,
        // Small batches while the first pages are judged, so their rows come back soon; larger ones after.
        batchSize: () => (judgedOrSent() < firstPagesRows ? firstBatchSize : batchSize),
        request: (batch): Omit<IndexThreadRequest, 'batch'> => ({ ids: batch }),
        take: (answer) => {
          threadsAnswering = true;
          for (const { id, indexed } of answer.judged) onJudged(id, indexed);
        },
        answerWithinMs: options.answerWithinMs ?? answerWithinMs,
      }));
    // No thread, or it failed: what it held and the rest are judged here.
    if (!finished) await judgeHere();
  };
  const judgedOrSent = () => ids.length - queue.length;
  await Promise.all([...Array.from({ length: options.count ?? defaultThreadCount() }, runThread), ...(options.alsoHere === false ? [] : [judgeHereUntilThreadsAnswer()])]);
}

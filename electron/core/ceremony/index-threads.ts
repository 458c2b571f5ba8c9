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
import type { Worker } from 'node:worker_threads';
import { startThread } from '../threads/start-thread';
import type { IndexedCeremony } from './index-judging';

export interface IndexThreadSetup {
  dataDir: string;
  storeDir: string;
  /** The core's clock minus this machine's, in ms. */
  clockOffsetMs: number;
}
export interface IndexThreadRequest {
  ids: string[];
}
export interface IndexThreadAnswer {
  judged: { id: string; indexed: IndexedCeremony | undefined }[];
}

export interface IndexThreadOptions {
  /** How many threads; by default one per core, at most four. */
  count?: number;
  /** The worker to start (index-worker, built or as source). */
  entry?: IndexWorkerEntry;
  /**
   * Whether this thread judges too, from the first ceremony: the newest rows come before any thread has started
   * (tens to hundreds of ms). On by default; tests turn it off to see the threads' own work.
   */
  alsoHere?: boolean;
}

/** Ceremonies sent to a thread at once: small enough that first rows come early, large enough that messages cost little. */
const batchSize = 16;
const firstBatchSize = 4;
/** About the rows of the first few pages. */
const firstPagesRows = 300;

/** How a thread is started: a built worker file, or code that loads the TypeScript source through tsx. */
export interface IndexWorkerEntry {
  script: string;
  eval: boolean;
}

/**
 * The built worker beside this code (out/main, a chunk folder below it, or
 * the command line's CommonJS build); from source (Vitest), a few lines that
 * load the source through tsx's require hook, as Node 20 does not apply
 * `--import tsx` to a worker's own entry.
 */
export function indexWorkerEntry(): IndexWorkerEntry | undefined {
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
  const runThread = async () => {
    if (!entry) return judgeHere();
    let worker: Worker;
    try {
      worker = startThread(entry.script, { eval: entry.eval, workerData: setup satisfies IndexThreadSetup, name: 'conclave-index' });
    } catch {
      return judgeHere();
    }
    try {
      while (queue.length > 0) {
        // Small batches while the first pages are judged, so their rows come back soon; larger ones after.
        const batch = queue.splice(0, ids.length - queue.length < firstPagesRows ? firstBatchSize : batchSize);
        const answer = await ask(worker, { ids: batch });
        if (!answer) {
          // The thread failed: its batch and the rest are judged here.
          queue.unshift(...batch);
          return await judgeHere();
        }
        for (const { id, indexed } of answer.judged) onJudged(id, indexed);
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all([...Array.from({ length: options.count ?? defaultThreadCount() }, runThread), ...(options.alsoHere === false ? [] : [judgeHere()])]);
}

/** One batch's answer, or undefined when the thread failed or ended first. */
function ask(worker: Worker, request: IndexThreadRequest): Promise<IndexThreadAnswer | undefined> {
  return new Promise((resolve) => {
    const done = (answer: IndexThreadAnswer | undefined) => {
      worker.off('message', onMessage);
      worker.off('error', onFailure);
      worker.off('exit', onFailure);
      resolve(answer);
    };
    const onMessage = (answer: IndexThreadAnswer) => done(answer);
    const onFailure = () => done(undefined);
    worker.on('message', onMessage);
    worker.on('error', onFailure);
    worker.on('exit', onFailure);
    worker.postMessage(request);
  });
}

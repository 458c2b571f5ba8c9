/**
 * Work sent to a worker thread of Conclave's own a batch at a time, two
 * batches in flight (the thread starts on the next while this thread takes in
 * the answer to the last: a thread that waited for each message sat idle a
 * third of the time). The summary index judges ceremonies this way
 * (ceremony/index-threads.ts), and a sync checks what arrived
 * (repository/arrival-threads.ts).
 *
 * A thread that cannot start, fails, or does not answer in time gives its
 * batches back: the caller does them on its own thread, with the same answer.
 */
import type { Worker } from 'node:worker_threads';
import { startThread } from './start-thread';

/** How a thread is started: a built worker file, or code that loads the TypeScript source through tsx. */
export interface ThreadEntry {
  script: string;
  eval: boolean;
}

export interface BatchesOnThread<Item, Answer extends { batch: number }> {
  entry: ThreadEntry;
  /** The thread's workerData. */
  setup: unknown;
  /** The thread's name, as a debugger shows it. */
  name: string;
  /** What is left to do, shared by every thread that works on it: each takes its batches from the front. */
  queue: Item[];
  /** How many items the next batch takes. */
  batchSize: () => number;
  /** The message for a batch (its number is added). */
  request: (items: Item[]) => object;
  /** Takes in the answer to a batch, with the items it was asked for. */
  take: (answer: Answer, items: Item[]) => void;
  /** How long the thread may take to answer a batch before it is ended and its batches given back (ms). */
  answerWithinMs: number;
}

/**
 * Runs batches from `work.queue` on a new thread until the queue is empty, then ends the thread. False when the thread
 * could not start, failed or was given up on: what it held is back at the front of the queue.
 */
export async function runBatchesOnThread<Item, Answer extends { batch: number }>(work: BatchesOnThread<Item, Answer>): Promise<boolean> {
  let worker: Worker;
  try {
    worker = startThread(work.entry.script, { eval: work.entry.eval, workerData: work.setup, name: work.name });
  } catch {
    return false;
  }
  const answers = new ThreadAnswers<Answer>(worker, work.answerWithinMs);
  try {
    const send = () => {
      if (work.queue.length === 0) return undefined;
      const items = work.queue.splice(0, work.batchSize());
      return { items, answer: answers.ask(work.request(items)) };
    };
    const inFlight = [send(), send()].filter((sent) => sent !== undefined);
    for (let sent = inFlight.shift(); sent; sent = inFlight.shift()) {
      const answer = await sent.answer;
      if (!answer) {
        work.queue.unshift(...sent.items, ...inFlight.flatMap((held) => held.items));
        return false;
      }
      work.take(answer, sent.items);
      const next = send();
      if (next) inFlight.push(next);
    }
    return true;
  } finally {
    answers.close();
    const ended = worker.terminate();
    // A thread given up on may be stuck where ending cannot reach it (a read that never returns): not waited for.
    if (!answers.gaveUp) await ended;
  }
}

/**
 * A thread's answers to the batches asked of it, by batch; undefined for each
 * still open when the thread fails, ends, or does not answer one in time
 * (then it is ended).
 */
class ThreadAnswers<Answer extends { batch: number }> {
  private readonly open = new Map<number, (answer: Answer | undefined) => void>();
  private next = 0;
  /** Ends the thread when the oldest open batch has waited too long; restarted at each answer. */
  private deadline: NodeJS.Timeout | undefined;
  /** The thread did not answer in time. */
  gaveUp = false;
  private readonly onMessage = (answer: Answer) => {
    const resolve = this.open.get(answer.batch);
    this.open.delete(answer.batch);
    this.watch();
    resolve?.(answer);
  };
  private readonly onFailure = () => {
    clearTimeout(this.deadline);
    for (const resolve of this.open.values()) resolve(undefined);
    this.open.clear();
  };

  constructor(
    private readonly worker: Worker,
    private readonly answerWithinMs: number,
  ) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onFailure);
    worker.on('exit', this.onFailure);
  }

  ask(request: object): Promise<Answer | undefined> {
    const batch = this.next++;
    return new Promise((resolve) => {
      this.open.set(batch, resolve);
      this.worker.postMessage({ ...request, batch });
      if (this.open.size === 1) this.watch();
    });
  }

  private watch(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
    if (this.open.size === 0) return;
    this.deadline = setTimeout(() => {
      // Its open batches go back to the caller at once; the thread is ended without waiting for it.
      this.gaveUp = true;
      this.onFailure();
      void this.worker.terminate();
    }, this.answerWithinMs);
    this.deadline.unref();
  }

  close(): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onFailure);
    this.worker.off('exit', this.onFailure);
    this.onFailure();
  }
}

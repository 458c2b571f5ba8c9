/**
 * Starts a worker thread of Conclave's own (the token host, the hashing and
 * index threads). Node pipes a thread's console output into this process's
 * process.stdout and process.stderr as it starts it, which makes those
 * streams (and loads net, for a pipe) although the command line writes its
 * output with writeSync and never needs them: a few milliseconds of every
 * command that starts a thread (issue 11). These threads print nothing;
 * what goes wrong in them comes back as messages and 'error' events, so
 * their console is kept apart and never read.
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';

export function startThread(filename: string | URL, options: WorkerOptions): Worker {
  // Loaded here, when a thread is started, not as this module loads: node:worker_threads takes about 5 ms to load in
  // Node 20, and most commands that load this module (verify, to hash one file) never start a thread (issue 11).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  return new Worker(filename, { ...options, stdout: true, stderr: true });
}

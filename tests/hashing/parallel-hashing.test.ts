/**
 * Several artifacts hashed side by side on worker threads (issue 15): the
 * digests are those of sha256sum and sha512sum, both from one read of each
 * file; a file that fails stops the others when the caller needs every file
 * (an opening), with that file's own error, and leaves no thread or open file
 * behind. The built workers are used: `npm run build` must have run first.
 */
import { existsSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFilesHere, HashError, type FileHashOutcome, type FilesProgress } from '../../electron/core/hashing';
import { hashFilesOnThreads } from '../../electron/core/hashing/hash-thread';
import { coreutilsDigest, makeScratch, openDescriptorsOn, type Scratch } from './support';

const builtWorkers = ['../../out/main/hash-worker.js', '../../out/main/cjs/hash-worker.cjs'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/**
 * The test files are small: a thread per byte is allowed, so they are spread over threads as large artifacts are
 * (by default a thread is only started for every 128 MiB, see defaultBytesPerThread).
 */
const spread = { bytesPerThread: 1 };

/** Threads of this process now (Linux: one entry per thread in /proc/self/task). */
const threadCount = () => readdirSync('/proc/self/task').length;

describe.each(builtWorkers)('several artifacts on threads (%s)', (builtWorker) => {
  let scratch: Scratch;
  let files: string[];

  beforeAll(async () => {
    expect(existsSync(builtWorker), `${builtWorker} is missing: run "npm run build" before these tests.`).toBe(true);
    scratch = makeScratch();
    files = [scratch.file('app.tgz', 5 * 1024 * 1024 + 3), scratch.file('empty.txt', 0), scratch.file('one.bin', 1), scratch.file('docs.zip', 2 * 1024 * 1024), scratch.file('sbom.json', 1024 * 1024 - 1)];
    // Node's own file-system threads start on first use: started here, so counting threads later sees only hashing threads.
    await hashFilesHere(files);
  });
  afterAll(() => scratch?.cleanup());

  it('gives sha256sum’s and sha512sum’s digests of every file, in the order given, with one progress to the total', async () => {
    const progress: FilesProgress[] = [];
    const settled: number[] = [];
    const outcomes = await hashFilesOnThreads(files, { ...spread, algorithms: ['sha256', 'sha512'], concurrency: 2, onProgress: (event) => progress.push(event), onFileSettled: (_outcome, index) => settled.push(index) }, builtWorker);
    expect(outcomes.map((outcome) => outcome.path)).toEqual(files);
    outcomes.forEach((outcome, index) => {
      expect(outcome).toMatchObject({ ok: true, digest: { digests: { sha256: coreutilsDigest('sha256', files[index]!), sha512: coreutilsDigest('sha512', files[index]!) } } });
    });
    expect([...settled].sort()).toEqual([0, 1, 2, 3, 4]);
    const total = 5 * 1024 * 1024 + 3 + 0 + 1 + 2 * 1024 * 1024 + 1024 * 1024 - 1;
    expect(progress.at(-1)).toEqual({ bytesDone: total, bytesTotal: total, filesDone: 5, filesTotal: 5 });
    for (let index = 1; index < progress.length; index += 1) expect(progress[index]!.bytesDone).toBeGreaterThanOrEqual(progress[index - 1]!.bytesDone);
  });

  it('gives the same outcomes as hashing on this thread, each failure with its own code and words when every outcome is wanted', async () => {
    const missing = join(scratch.dir, 'gone.tgz');
    const paths = [files[0]!, missing, scratch.dir, files[2]!];
    const onThreads = await hashFilesOnThreads(paths, { ...spread, algorithms: ['sha256'] }, builtWorker);
    expect(onThreads).toEqual(await hashFilesHere(paths, { algorithms: ['sha256'] }));
    expect(onThreads.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code))).toEqual(['ok', 'file-missing', 'not-a-regular-file', 'ok']);
  });

  it('stops every file at the first that fails, rejecting with that file’s error, and leaves no thread or open file behind', async () => {
    // Sparse files of 16 GiB (holes: nothing on the disk): many seconds of hashing each, so the failure comes long before either could end.
    const large = ['large-1.bin', 'large-2.bin'].map((name) => join(scratch.dir, name));
    for (const file of large) {
      writeFileSync(file, '');
      truncateSync(file, 16 * 1024 ** 3);
    }
    const missing = join(scratch.dir, 'release-notes-gone.txt');
    try {
      const before = threadCount();
      const settled: FileHashOutcome<'sha256' | 'sha512'>[] = [];
      const hashing = hashFilesOnThreads([large[0]!, missing, large[1]!], { algorithms: ['sha256', 'sha512'], concurrency: 2, stopAtFirstFailure: true, onFileSettled: (outcome) => settled.push(outcome) }, builtWorker);
      const error = await hashing.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(HashError);
      expect(error).toMatchObject({ code: 'file-missing', path: missing });
      expect((error as HashError).message).toContain(missing);
      // The other files were not hashed to the end: the second large file was never started.
      expect(settled.filter((outcome) => outcome.ok)).toEqual([]);
      expect(settled.some((outcome) => outcome.path === large[1])).toBe(false);
      // Nothing left running: every hashing thread has ended and closed its file.
      expect(threadCount()).toBeLessThanOrEqual(before);
      for (const file of large) expect(openDescriptorsOn(file)).toBe(0);
    } finally {
      for (const file of large) rmSync(file, { force: true });
    }
  });

  it('runs as many threads as the files are worth, at most the cores or as asked for, and ends them all', async () => {
    const most = async (paths: string[], options: { concurrency?: number; bytesPerThread?: number }) => {
      const before = threadCount();
      // Counted as each outcome arrives: every thread is started before the first file is handed out.
      let seen = 0;
      await hashFilesOnThreads(paths, { ...options, onFileSettled: () => void (seen = Math.max(seen, threadCount() - before)) }, builtWorker);
      expect(threadCount()).toBeLessThanOrEqual(before);
      return seen;
    };
    expect(await most(files, { ...spread, concurrency: 2 })).toBe(2);
    expect(await most(files, spread)).toBe(Math.min(availableParallelism(), files.length));
    // 8 MiB in all: not worth a thread's start, hashed on this thread.
    expect(await most(files, {})).toBe(0);
    // One thread per 4 MiB begun: three for these 8 MiB and 3 bytes, where the cores allow.
    expect(await most(files, { bytesPerThread: 4 * 1024 * 1024 })).toBe(Math.min(3, availableParallelism()));
  });
});

describe('several artifacts on this thread (no built worker)', () => {
  it('stop at the first that fails as well, with that file’s error', async () => {
    const scratch = makeScratch();
    try {
      const missing = join(scratch.dir, 'gone.tgz');
      const failure = await hashFilesOnThreads([scratch.file('a.bin', 1024), missing], { stopAtFirstFailure: true }, undefined).catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: 'HashError', code: 'file-missing', path: missing });
    } finally {
      scratch.cleanup();
    }
  });
});

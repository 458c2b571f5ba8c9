/**
 * Hashing in a thread of its own (issue 11): the built worker
 * (out/main/hash-worker.js) gives exactly what hashFiles gives on the
 * caller's thread, outcomes, failures and progress alike; it can be
 * followed after it started, and stopping it (or the opening's signal) ends
 * the thread. `npm run build` must have run first.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFiles, type FilesProgress } from '../../electron/core/hashing';
import { HashedHere } from '../../electron/core/hashing/hashed-here';
import { HashingThread, hashWorkerEntry, startHashingEarly, startHashingThread } from '../../electron/core/hashing/hash-thread';
import { coreutilsDigest, makeScratch, type Scratch } from './support';

// The window's worker (ES module) and the command line's (CommonJS, out/main/cjs): the same code, built twice.
const builtWorkers = ['../../out/main/hash-worker.js', '../../out/main/cjs/hash-worker.cjs'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

describe.each(builtWorkers)('hashing in a thread (%s)', (builtWorker) => {
  let scratch: Scratch;
  let paths: string[];

  beforeAll(() => {
    expect(existsSync(builtWorker), `${builtWorker} is missing: run "npm run build" before these tests.`).toBe(true);
    scratch = makeScratch();
    paths = [scratch.file('a.bin', 3 * 1024 * 1024 + 17), scratch.file('b.bin', 0), join(scratch.dir, 'missing.bin'), scratch.dir];
  });
  afterAll(() => scratch?.cleanup());

  it('gives the same outcomes as hashing on this thread: digests, sizes and each failure with its code and words', async () => {
    const progress: FilesProgress[] = [];
    const thread = new HashingThread(paths, ['sha256', 'sha512'], builtWorker, { onFailure: 'continue' });
    const inThread = await thread.follow({ onProgress: (event) => progress.push(event) });
    const here = await hashFiles(paths, { algorithms: ['sha256', 'sha512'] });
    expect(inThread).toEqual(here);
    expect(inThread[0]).toMatchObject({ ok: true, digest: { size: 3 * 1024 * 1024 + 17, digests: { sha256: coreutilsDigest('sha256', paths[0]!), sha512: coreutilsDigest('sha512', paths[0]!) } } });
    expect(inThread.map((outcome) => (outcome.ok ? 'ok' : outcome.error.code))).toEqual(['ok', 'ok', 'file-missing', 'not-a-regular-file']);
    // Progress as hashFiles reports it: ends at the total, with every file done.
    expect(progress.at(-1)).toMatchObject({ bytesDone: 3 * 1024 * 1024 + 17, bytesTotal: 3 * 1024 * 1024 + 17, filesDone: 4, filesTotal: 4 });
  });

  it('for an opening (the default), ends at the first file that fails: follow rejects with that file’s own error', async () => {
    const thread = new HashingThread(paths, ['sha256'], builtWorker);
    const error = await thread.follow().catch((failure: unknown) => failure);
    expect(error).toMatchObject({ name: 'HashError', code: expect.stringMatching(/^(file-missing|not-a-regular-file)$/) });
    expect([paths[2], paths[3]]).toContain((error as { path: string }).path);
  });

  it('can be followed once it has finished, the latest progress first', async () => {
    const thread = new HashingThread([paths[0]!], ['sha256'], builtWorker);
    // Finished, unfollowed (as hashing started early is, when the opening gets to it): a follow without a listener
    // waits for the end without taking anything a later follow would get (no fixed sleep: machines are slow and busy).
    await thread.follow();
    const progress: FilesProgress[] = [];
    const [outcome] = await thread.follow({ onProgress: (event) => progress.push(event) });
    expect(outcome).toMatchObject({ ok: true, digest: { digests: { sha256: coreutilsDigest('sha256', paths[0]!) } } });
    expect(progress[0]).toMatchObject({ filesDone: 1, filesTotal: 1 });
  });

  it('stops when the signal aborts: rejects as cancelled once the thread has ended', async () => {
    const big = scratch.file('big.bin', 64 * 1024 * 1024);
    try {
      const thread = new HashingThread([big], ['sha256', 'sha512'], builtWorker);
      const controller = new AbortController();
      const followed = thread.follow({ signal: controller.signal });
      controller.abort();
      await expect(followed).rejects.toMatchObject({ name: 'HashError', code: 'cancelled' });
      // Stopped already: following again is cancelled at once.
      await expect(thread.follow()).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      rmSync(big, { force: true });
    }
  });

  it('is not used from the sources (there is no built worker next to them): the caller hashes itself', () => {
    expect(hashWorkerEntry()).toBeUndefined();
  });

  it('started early, is handed to the first who asks for the same files and algorithms, and hashes them once', async () => {
    // Threads even for a small file (no bytes hashed here): how an opening of large artifacts starts.
    const early = startHashingEarly([paths[0]!], ['sha256'], builtWorker, 0);
    expect(early).toBeInstanceOf(HashingThread);
    const taken = startHashingThread([paths[0]!], ['sha256'], builtWorker);
    expect(early).toBeDefined();
    expect(taken).toBe(early);
    // Handed over once: the next caller gets a thread of its own.
    const another = startHashingThread([paths[0]!], ['sha256'], builtWorker);
    expect(another).not.toBe(taken);
    await another?.stop();
    const [outcome] = await taken!.follow();
    expect(outcome).toMatchObject({ ok: true, digest: { digests: { sha256: coreutilsDigest('sha256', paths[0]!) } } });
  });

  it('started early for other files (or algorithms), is stopped: the caller gets a thread of its own', async () => {
    const early = startHashingEarly([paths[0]!], ['sha256'], builtWorker, 0);
    const other = startHashingThread([paths[0]!], ['sha256', 'sha512'], builtWorker);
    expect(other).not.toBe(early);
    expect(other?.algorithms).toEqual(['sha256', 'sha512']);
    await expect(early!.follow()).rejects.toMatchObject({ code: 'cancelled' });
    const [outcome] = await other!.follow();
    expect(outcome).toMatchObject({ ok: true, digest: { digests: { sha512: coreutilsDigest('sha512', paths[0]!) } } });
  });
});

/**
 * A few bytes started early are hashed at once on the command's own thread
 * (hashed-here.ts): a thread's start would cost as much as their hashing.
 * What the opening takes over must answer exactly as threads do.
 */
describe('hashing started early, of files too small to pay for a thread', () => {
  let scratch: Scratch;
  let paths: string[];

  beforeAll(() => {
    scratch = makeScratch();
    paths = [scratch.file('a.bin', 3 * 1024 * 1024 + 17), scratch.file('b.bin', 0)];
  });
  afterAll(() => scratch?.cleanup());

  it('is done before startHashingEarly returns, starts no thread, and is handed over once with the digests coreutils gives', async () => {
    const early = startHashingEarly(paths, ['sha256', 'sha512'], builtWorkers[0]);
    expect(early).toBeInstanceOf(HashedHere);
    // Done already: the files can go (an opening that then reads them again would fail, this one does not).
    const moved = join(scratch.dir, 'moved.bin');
    renameSync(paths[0]!, moved);
    try {
      const taken = startHashingThread(paths, ['sha256', 'sha512'], builtWorkers[0]);
      expect(taken).toBe(early);
      const progress: FilesProgress[] = [];
      const outcomes = await taken!.follow({ onProgress: (event) => progress.push(event) });
      expect(outcomes[0]).toMatchObject({ ok: true, path: paths[0], digest: { size: 3 * 1024 * 1024 + 17, digests: { sha256: coreutilsDigest('sha256', moved), sha512: coreutilsDigest('sha512', moved) } } });
      expect(outcomes[1]).toMatchObject({ ok: true, digest: { size: 0, digests: { sha256: coreutilsDigest('sha256', paths[1]!) } } });
      // The last figure, as a thread that had finished would give it.
      expect(progress).toEqual([{ bytesDone: 3 * 1024 * 1024 + 17, bytesTotal: 3 * 1024 * 1024 + 17, filesDone: 2, filesTotal: 2 }]);
    } finally {
      renameSync(moved, paths[0]!);
    }
  });

  it('rejects, as an opening needs, with the first file that fails in its own words, as hashing here does', async () => {
    const missing = join(scratch.dir, 'missing.bin');
    const early = startHashingEarly([paths[0]!, missing, scratch.dir], ['sha256']);
    expect(early).toBeInstanceOf(HashedHere);
    const here = await hashFiles([missing], { algorithms: ['sha256'] });
    const failure = await early!.follow().catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'HashError', code: 'file-missing', path: missing });
    expect((failure as Error).message).toBe(here[0]!.ok ? '' : here[0]!.error.message);
  });

  it('is stopped when another opening asks for other files: following it then says cancelled', async () => {
    const early = startHashingEarly([paths[0]!], ['sha256']);
    const other = startHashingThread([paths[1]!], ['sha256'], builtWorkers[0]);
    expect(other).not.toBe(early);
    await expect(early!.follow()).rejects.toMatchObject({ name: 'HashError', code: 'cancelled' });
    await other?.stop();
  });

  it('goes to threads past one thread\'s worth of bytes, where hashing here would hold the command too long', () => {
    const early = startHashingEarly([paths[0]!], ['sha256'], builtWorkers[0], 1024);
    try {
      expect(early).toBeInstanceOf(HashingThread);
    } finally {
      void early?.stop();
    }
  });
});

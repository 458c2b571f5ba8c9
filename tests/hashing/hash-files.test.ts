import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFiles, HashError, ReadBufferPool, type FilesProgress } from '../../electron/core/hashing';
import { coreutilsDigest, makeScratch, openDescriptorsOn, type Scratch } from './support';

let scratch: Scratch;
beforeEach(() => {
  scratch = makeScratch();
});
afterEach(() => {
  scratch.cleanup();
});

const small = 4096;

describe('hashFiles', () => {
  it('hashes several files within one shared set of buffers, in the order given, with one total progress', async () => {
    const sizes = [0, 7, 50 * small, 33 * small + 1, small, 80 * small - 1];
    const paths = sizes.map((size, index) => scratch.file(`artifact-${index}.bin`, size));
    const pool = new ReadBufferPool(small, 4);
    const events: FilesProgress[] = [];
    const outcomes = await hashFiles(paths, { concurrency: 2, pool, onProgress: (progress) => events.push(progress) });
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.digest.digests.sha256 : outcome.error.code))).toEqual(paths.map((path) => coreutilsDigest('sha256', path)));
    expect(outcomes.map((outcome) => outcome.path)).toEqual(paths);
    // Two files at a time, two reads each: never more than the pool's four buffers.
    expect(pool.stats().peak).toBeLessThanOrEqual(4);
    expect(pool.stats().live).toBe(0);

    const total = sizes.reduce((sum, size) => sum + size, 0);
    expect(events[0]).toMatchObject({ bytesDone: 0, bytesTotal: total, filesTotal: sizes.length });
    expect(events.at(-1)).toEqual({ bytesDone: total, bytesTotal: total, filesDone: sizes.length, filesTotal: sizes.length });
    for (let index = 1; index < events.length; index++) {
      const [before, after] = [events[index - 1]!, events[index]!];
      expect(after.bytesDone).toBeGreaterThanOrEqual(before.bytesDone);
      expect(after.filesDone).toBeGreaterThanOrEqual(before.filesDone);
      // Each event says something new: more bytes, or (the last one) every file done.
      expect(after.bytesDone > before.bytesDone || after.filesDone > before.filesDone).toBe(true);
    }
  });

  it('gives a failed file its own outcome and still hashes the others', async () => {
    const first = scratch.file('first.bin', 3 * small);
    const missing = join(scratch.dir, 'missing.bin');
    const last = scratch.file('last.bin', 5);
    const settled: number[] = [];
    const outcomes = await hashFiles([first, missing, last], { algorithms: ['sha256', 'sha512'], onFileSettled: (_outcome, index) => settled.push(index) });
    expect(outcomes[0]).toMatchObject({ ok: true, digest: { digests: { sha256: coreutilsDigest('sha256', first), sha512: coreutilsDigest('sha512', first) } } });
    expect(outcomes[1]).toMatchObject({ ok: false, path: missing, error: { code: 'file-missing' } });
    expect(outcomes[2]).toMatchObject({ ok: true, digest: { size: 5, digests: { sha256: coreutilsDigest('sha256', last) } } });
    expect(settled.sort()).toEqual([0, 1, 2]);
  });

  it('rejects with "cancelled" when aborted, once nothing is left reading', async () => {
    const paths = [0, 1, 2, 3].map((index) => scratch.file(`artifact-${index}.bin`, 100 * small));
    const controller = new AbortController();
    const pool = new ReadBufferPool(small, 4);
    let eventsAfterAbort = 0;
    const run = hashFiles(paths, {
      concurrency: 2,
      pool,
      signal: controller.signal,
      onProgress: ({ bytesDone }) => {
        if (controller.signal.aborted) eventsAfterAbort += 1;
        if (bytesDone >= 50 * small) controller.abort();
      },
    });
    const error = await run.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(HashError);
    expect((error as HashError).code).toBe('cancelled');
    expect(eventsAfterAbort).toBe(0);
    expect(pool.stats().live).toBe(0);
    for (const path of paths) expect(openDescriptorsOn(path)).toBe(0);
  });
});

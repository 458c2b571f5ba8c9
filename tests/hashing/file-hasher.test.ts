import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, truncateSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFile, HashError, ReadBufferPool, defaultReadSize, type HashProgress } from '../../electron/core/hashing';
import { fromSystemError } from '../../electron/core/hashing/hash-errors';
import { coreutilsDigest, makeScratch, openDescriptorsOn, opensslDigest, type Scratch } from './support';

let scratch: Scratch;
beforeEach(() => {
  scratch = makeScratch();
});
afterEach(() => {
  scratch.cleanup();
});

async function failure(promise: Promise<unknown>): Promise<HashError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HashError) return error;
    throw error;
  }
  throw new Error('expected hashing to fail');
}

const small = 4096;

describe('hashFile digests', () => {
  // Sizes around the read size catch off-by-one errors at buffer edges and at the end of the file.
  it.each([0, 1, small - 1, small, small + 1, 3 * small + 7, 10 * small])('matches sha256sum and openssl for %i bytes read %i at a time', async (size) => {
    const path = scratch.file(`artifact-${size}.bin`, size);
    const result = await hashFile(path, { pool: new ReadBufferPool(small, 2) });
    expect(result.size).toBe(size);
    expect(result.digests.sha256).toBe(coreutilsDigest('sha256', path));
    expect(result.digests.sha256).toBe(opensslDigest('sha256', path));
  });

  it.each([0, defaultReadSize - 1, 2 * defaultReadSize, 2 * defaultReadSize + 12_345])('matches with the default 1 MiB reads for %i bytes', async (size) => {
    const path = scratch.file('artifact.bin', size);
    const result = await hashFile(path);
    expect(result.digests).toEqual({ sha256: coreutilsDigest('sha256', path) });
  });

  it('computes SHA-256 and SHA-512 in one pass when both are asked for', async () => {
    const path = scratch.file('artifact.bin', 5 * small + 3);
    const result = await hashFile(path, { algorithms: ['sha256', 'sha512'], pool: new ReadBufferPool(small, 2) });
    expect(result.digests.sha256).toBe(coreutilsDigest('sha256', path));
    expect(result.digests.sha512).toBe(coreutilsDigest('sha512', path));
    expect(result.digests.sha512).toBe(opensslDigest('sha512', path));
  });

  it('hashes a file much larger than its buffers with no more than those buffers', async () => {
    const path = scratch.file('large.bin', 256 * small + 1);
    const pool = new ReadBufferPool(small, 2);
    const result = await hashFile(path, { pool });
    expect(result.digests.sha256).toBe(coreutilsDigest('sha256', path));
    // 257 reads through the same two buffers.
    expect(pool.stats()).toEqual({ live: 0, peak: 2, allocated: 2 });
  });

  it('refuses to hand out more buffers than its capacity', () => {
    const pool = new ReadBufferPool(small, 1);
    pool.acquire();
    expect(() => pool.acquire()).toThrow(/in use/);
  });
});

describe('hashFile progress', () => {
  it('starts at 0, only grows, and ends at the size', async () => {
    const size = 300 * small + 5;
    const path = scratch.file('artifact.bin', size);
    const events: HashProgress[] = [];
    await hashFile(path, { pool: new ReadBufferPool(small, 2), onProgress: (progress) => events.push(progress) });
    expect(events[0]).toEqual({ bytesDone: 0, bytesTotal: size });
    expect(events.at(-1)).toEqual({ bytesDone: size, bytesTotal: size });
    for (let index = 1; index < events.length; index++) {
      expect(events[index]!.bytesDone).toBeGreaterThan(events[index - 1]!.bytesDone);
      expect(events[index]!.bytesTotal).toBe(size);
    }
  });

  it('reports an empty file once, as 0 of 0', async () => {
    const path = scratch.file('empty.bin', 0);
    const events: HashProgress[] = [];
    await hashFile(path, { onProgress: (progress) => events.push(progress) });
    expect(events).toEqual([{ bytesDone: 0, bytesTotal: 0 }]);
  });
});

describe('hashFile cancellation', () => {
  it('rejects with "cancelled", reports nothing after the abort, closes the file and returns its buffers', async () => {
    const path = scratch.file('artifact.bin', 200 * small);
    const pool = new ReadBufferPool(small, 2);
    const controller = new AbortController();
    const events: HashProgress[] = [];
    let eventsAtAbort = -1;
    const error = await failure(
      hashFile(path, {
        pool,
        signal: controller.signal,
        onProgress: (progress) => {
          events.push(progress);
          if (progress.bytesDone >= 20 * small && eventsAtAbort < 0) {
            controller.abort();
            eventsAtAbort = events.length;
          }
        },
      }),
    );
    expect(error.code).toBe('cancelled');
    expect(error.path).toBe(path);
    expect(eventsAtAbort).toBeGreaterThan(0);
    expect(events).toHaveLength(eventsAtAbort);
    expect(pool.stats().live).toBe(0);
    expect(openDescriptorsOn(path)).toBe(0);
  });

  it('rejects at once, without opening the file, when already aborted', async () => {
    const path = scratch.file('artifact.bin', small);
    const events: HashProgress[] = [];
    const error = await failure(hashFile(path, { signal: AbortSignal.abort(), onProgress: (progress) => events.push(progress) }));
    expect(error.code).toBe('cancelled');
    expect(events).toEqual([]);
  });
});

describe('hashFile failures', () => {
  it('says a missing file is missing', async () => {
    const error = await failure(hashFile(join(scratch.dir, 'nowhere.tar.gz')));
    expect(error.code).toBe('file-missing');
    expect(error.message).toContain('nowhere.tar.gz');
  });

  it('refuses a folder', async () => {
    const folder = join(scratch.dir, 'dist');
    mkdirSync(folder);
    const error = await failure(hashFile(folder));
    expect(error.code).toBe('not-a-regular-file');
    expect(error.message).toMatch(/folder/);
  });

  it('refuses a named pipe without waiting for a writer', async () => {
    const fifo = join(scratch.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const error = await failure(hashFile(fifo));
    expect(error.code).toBe('not-a-regular-file');
  });

  // root reads whatever the permissions say, so this can only be shown as another user.
  it.skipIf(process.getuid?.() === 0)('says an unreadable file is unreadable', async () => {
    const path = scratch.file('secret.bin', 10);
    chmodSync(path, 0o000);
    const error = await failure(hashFile(path));
    expect(error.code).toBe('unreadable');
  });

  it('maps permission and I/O errors to "unreadable"', () => {
    for (const code of ['EACCES', 'EPERM', 'EIO']) {
      const error = fromSystemError('a.bin', Object.assign(new Error(`${code}: failed`), { code }));
      expect(error.code).toBe('unreadable');
      expect(error.message).toContain('a.bin');
    }
  });

  it('notices a file that grows while it is hashed', async () => {
    const path = scratch.file('growing.bin', 16 * small);
    const pool = new ReadBufferPool(small, 2);
    let grown = false;
    const error = await failure(
      hashFile(path, {
        pool,
        onProgress: ({ bytesDone }) => {
          if (bytesDone > 0 && !grown) {
            appendFileSync(path, Buffer.alloc(8 * small));
            grown = true;
          }
        },
      }),
    );
    expect(error.code).toBe('size-changed');
    expect(pool.stats().live).toBe(0);
    expect(openDescriptorsOn(path)).toBe(0);
  });

  it('notices a file that shrinks while it is hashed', async () => {
    const path = scratch.file('shrinking.bin', 16 * small);
    let shrunk = false;
    const error = await failure(
      hashFile(path, {
        pool: new ReadBufferPool(small, 2),
        onProgress: ({ bytesDone }) => {
          if (bytesDone > 0 && !shrunk) {
            truncateSync(path, 4 * small);
            shrunk = true;
          }
        },
      }),
    );
    expect(error.code).toBe('size-changed');
  });
});

/**
 * Hashing one artifact of any size in bounded memory, at close to the
 * machine's SHA-256 speed.
 *
 * Why not a read stream: a stream allocates a new chunk per read and hands it
 * over through several event-loop turns. Here a few large buffers are reused
 * and kept busy: while the JS thread hashes one, libuv's threadpool reads the
 * next into another, so reading costs almost nothing on top of hashing
 * (bench/ measures it against `openssl dgst` and `openssl speed`).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { cancelled, fromSystemError, notARegularFile, sizeChanged } from './hash-errors';
import { progressReporter, type HashProgress } from './progress';
import { ReadBufferPool } from './read-buffer-pool';

export const digestAlgorithms = ['sha256', 'sha512'] as const;

export type DigestAlgorithm = (typeof digestAlgorithms)[number];

/** Lowercase hex digests, one per algorithm asked for. */
export type Digests<A extends DigestAlgorithm> = { [K in A]: string };

export interface FileDigest<A extends DigestAlgorithm = 'sha256'> {
  /** The path as given. */
  path: string;
  /** Bytes hashed: the file's size, which did not change while it was read. */
  size: number;
  digests: Digests<A>;
}

/** 1 MiB reads: large enough that per-read overhead vanishes, small enough to stay in cache while hashed (measured in bench/). */
export const defaultReadSize = 1024 * 1024;

/** Two reads in flight: one buffer being hashed while the next is read. More did not measure faster. */
export const defaultReadsAhead = 2;

export interface HashFileOptions<A extends DigestAlgorithm> {
  /** Digests to compute, all in the same single pass. Default: SHA-256 alone. */
  algorithms?: readonly A[];
  /** Aborting rejects with HashError code "cancelled"; no progress is reported after the abort. */
  signal?: AbortSignal;
  /** Throttled: see progress.ts. */
  onProgress?: (progress: HashProgress) => void;
  /** Where read buffers come from; hashFiles shares one pool so that several files together stay within its cap. */
  pool?: ReadBufferPool;
  /** Reads in flight at once (each holds a buffer from the pool). */
  readsAhead?: number;
}

export async function hashFile<A extends DigestAlgorithm = 'sha256'>(path: string, options: HashFileOptions<A> = {}): Promise<FileDigest<A>> {
  const algorithms = (options.algorithms ?? ['sha256']) as readonly A[];
  if (algorithms.length === 0) throw new RangeError('hashFile needs at least one digest algorithm');
  const readsAhead = options.readsAhead ?? defaultReadsAhead;
  const pool = options.pool ?? new ReadBufferPool(defaultReadSize, readsAhead);
  const { signal } = options;
  if (signal?.aborted) throw cancelled(path);

  // stat before open: opening a FIFO for reading would block until a writer comes.
  const before = await statOrThrow(path);
  if (!before.isFile()) throw notARegularFile(path, kindOf(before));
  if (signal?.aborted) throw cancelled(path);

  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fromSystemError(path, error);
  }
  try {
    // The file might have been swapped between stat and open: trust only what the open handle says.
    const opened = await handle.stat().catch((error: unknown) => Promise.reject(fromSystemError(path, error)));
    if (!opened.isFile()) throw notARegularFile(path, kindOf(opened));
    const hashes = algorithms.map((algorithm) => createHash(algorithm));
    const size = await pump(path, handle, opened.size, hashes, pool, Math.min(readsAhead, pool.capacity), signal, options.onProgress);
    const digests = {} as Digests<A>;
    algorithms.forEach((algorithm, index) => {
      digests[algorithm] = hashes[index]!.digest('hex');
    });
    return { path, size, digests };
  } finally {
    await handle.close();
  }
}

interface PendingRead {
  buffer: Buffer;
  bytes: Promise<number>;
}

/** Reads the whole file through the hashes, keeping `readsAhead` reads in flight; returns the bytes hashed. */
async function pump(
  path: string,
  handle: FileHandle,
  expectedSize: number,
  hashes: Hash[],
  pool: ReadBufferPool,
  readsAhead: number,
  signal: AbortSignal | undefined,
  onProgress: ((progress: HashProgress) => void) | undefined,
): Promise<number> {
  const progress = progressReporter(expectedSize, onProgress);
  const inFlight: PendingRead[] = [];
  let nextPosition = 0;
  const startRead = (buffer: Buffer) => {
    const bytes = readFully(handle, buffer, nextPosition);
    // Handled later, in order; this stops a failing read-ahead from counting as an unhandled rejection meanwhile.
    bytes.catch(() => undefined);
    inFlight.push({ buffer, bytes });
    nextPosition += buffer.length;
  };
  let bytesDone = 0;
  try {
    for (let count = 0; count < readsAhead; count++) startRead(pool.acquire());
    for (;;) {
      const read = inFlight.shift()!;
      let bytes: number;
      try {
        bytes = await read.bytes;
      } catch (error) {
        pool.release(read.buffer);
        throw fromSystemError(path, error);
      }
      if (signal?.aborted) {
        pool.release(read.buffer);
        throw cancelled(path);
      }
      bytesDone += bytes;
      if (bytesDone > expectedSize) {
        pool.release(read.buffer);
        throw sizeChanged(path, expectedSize, bytesDone);
      }
      const chunk = bytes === read.buffer.length ? read.buffer : read.buffer.subarray(0, bytes);
      for (const hash of hashes) hash.update(chunk);
      if (bytes < read.buffer.length) {
        // A short read is the end of the file (readFully fills a buffer unless the file ends).
        pool.release(read.buffer);
        break;
      }
      progress.update(bytesDone);
      startRead(read.buffer);
    }
  } finally {
    // A read still in flight writes into its buffer: wait for it before the buffer is reused or the file closed.
    const abandoned = inFlight.splice(0);
    await Promise.allSettled(abandoned.map((read) => read.bytes));
    for (const read of abandoned) pool.release(read.buffer);
  }
  const after = await handle.stat().catch((error: unknown) => Promise.reject(fromSystemError(path, error)));
  if (bytesDone !== expectedSize || after.size !== expectedSize) throw sizeChanged(path, expectedSize, Math.max(bytesDone, after.size));
  if (signal?.aborted) throw cancelled(path);
  progress.finish(bytesDone);
  return bytesDone;
}

/**
 * hashFile for a thread that does nothing else (hash-worker.ts): the same
 * checks, the same digests and failures, with the file read and hashed in
 * one loop of blocking reads into one reused buffer. With no other work on
 * the thread, overlapping reads on libuv's pool with hashing gains no time
 * and costs a quarter more CPU (measured on a 100 MB file: 77 ms against
 * 101 ms of CPU, the same wall time), which on a two-core machine the
 * command's other threads need. Progress is reported as hashFile reports
 * it. It stops with its thread, or between two reads once `stopped` says
 * so (HashError "cancelled"), closing the file first.
 */
export function hashFileSync<A extends DigestAlgorithm = 'sha256'>(
  path: string,
  options: { algorithms?: readonly A[]; onProgress?: (progress: HashProgress) => void; buffer?: Buffer; stopped?: () => boolean } = {},
): FileDigest<A> {
  const algorithms = (options.algorithms ?? ['sha256']) as readonly A[];
  if (algorithms.length === 0) throw new RangeError('hashFileSync needs at least one digest algorithm');
  // stat before open: opening a FIFO for reading would block until a writer comes.
  let before: Stats;
  try {
    before = statSync(path);
  } catch (error) {
    throw fromSystemError(path, error);
  }
  if (!before.isFile()) throw notARegularFile(path, kindOf(before));
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fromSystemError(path, error);
  }
  try {
    const opened = fstatOrThrow(path, fd);
    // The file might have been swapped between stat and open: trust only what the open descriptor says.
    if (!opened.isFile()) throw notARegularFile(path, kindOf(opened));
    const expectedSize = opened.size;
    const hashes = algorithms.map((algorithm) => createHash(algorithm));
    const buffer = options.buffer ?? Buffer.allocUnsafe(defaultReadSize);
    const progress = progressReporter(expectedSize, options.onProgress);
    let bytesDone = 0;
    for (;;) {
      if (options.stopped?.()) throw cancelled(path);
      let bytes: number;
      try {
        bytes = readFullySync(fd, buffer, bytesDone);
      } catch (error) {
        throw fromSystemError(path, error);
      }
      bytesDone += bytes;
      if (bytesDone > expectedSize) throw sizeChanged(path, expectedSize, bytesDone);
      const chunk = bytes === buffer.length ? buffer : buffer.subarray(0, bytes);
      for (const hash of hashes) hash.update(chunk);
      // A short read is the end of the file (readFullySync fills the buffer unless the file ends).
      if (bytes < buffer.length) break;
      progress.update(bytesDone);
    }
    const after = fstatOrThrow(path, fd);
    if (bytesDone !== expectedSize || after.size !== expectedSize) throw sizeChanged(path, expectedSize, Math.max(bytesDone, after.size));
    progress.finish(bytesDone);
    const digests = {} as Digests<A>;
    algorithms.forEach((algorithm, index) => {
      digests[algorithm] = hashes[index]!.digest('hex');
    });
    return { path, size: bytesDone, digests };
  } finally {
    closeSync(fd);
  }
}

function fstatOrThrow(path: string, fd: number): Stats {
  try {
    return fstatSync(fd);
  } catch (error) {
    throw fromSystemError(path, error);
  }
}

function readFullySync(fd: number, buffer: Buffer, position: number): number {
  let filled = 0;
  while (filled < buffer.length) {
    const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** Fills `buffer` from `position` unless the file ends first (a regular file may still return short reads). */
async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function statOrThrow(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw fromSystemError(path, error);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a special file';
}

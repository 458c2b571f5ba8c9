/**
 * The read buffers hashing uses, with a hard cap: memory for hashing is
 * capacity × size whatever the size or number of files, and the counters let
 * tests check the bound directly rather than through RSS.
 */

export interface ReadBufferPoolStats {
  /** Buffers handed out and not yet given back. */
  live: number;
  /** The most buffers ever out at once. */
  peak: number;
  /** Buffers ever allocated (reuse keeps this at most `capacity`). */
  allocated: number;
}

export class ReadBufferPool {
  private readonly free: Buffer[] = [];
  private liveCount = 0;
  private peakCount = 0;
  private allocatedCount = 0;

  constructor(
    /** Bytes per buffer: one read. */
    readonly bufferSize: number,
    /** The most buffers out at once; asking for more is a bug in the caller, not a reason to grow. */
    readonly capacity: number,
  ) {
    if (!Number.isInteger(bufferSize) || bufferSize <= 0) throw new RangeError('bufferSize must be a positive integer');
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('capacity must be a positive integer');
  }

  acquire(): Buffer {
    if (this.liveCount >= this.capacity) throw new Error(`ReadBufferPool: all ${this.capacity} buffers are in use`);
    let buffer = this.free.pop();
    if (!buffer) {
      // Unpooled and uninitialised: every byte hashed is a byte just read, so zeroing would be wasted work.
      buffer = Buffer.allocUnsafeSlow(this.bufferSize);
      this.allocatedCount += 1;
    }
    this.liveCount += 1;
    this.peakCount = Math.max(this.peakCount, this.liveCount);
    return buffer;
  }

  release(buffer: Buffer): void {
    this.liveCount -= 1;
    this.free.push(buffer);
  }

  stats(): ReadBufferPoolStats {
    return { live: this.liveCount, peak: this.peakCount, allocated: this.allocatedCount };
  }
}

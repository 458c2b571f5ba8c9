/**
 * PINs to a token host process on a pipe of their own (issue 12). Through
 * the message channel, a PIN would be serialised into buffers of Node's
 * (the serializer's, the channel's read buffer) that are freed without
 * being overwritten, in the core and in the host. On this pipe, the core
 * writes straight from its own buffer (overwritten when the request is
 * over), and the host reads into a buffer of its own, which it overwrites
 * as soon as each PIN is taken out of it. The request itself, on the
 * message channel, says "piped"; PINs are taken in the order the requests
 * arrive, which is the order they were written.
 *
 * Only for hosts started with child_process.fork (the browser shell, and a
 * CLI command that cannot use a thread). A host in a thread receives the
 * PIN's buffer itself (moved, not copied); an Electron utility process has
 * no pipe besides its message port, and gets the PIN through it.
 */
import type { OnReadOpts, SocketConstructorOpts } from 'node:net';
import type { Writable } from 'node:stream';
import { pinBuffer } from '../../pin-bytes';

/** The host's file descriptor for the pipe, and the variable that tells a forked host it has one. */
export const pinPipeFd = 4;
export const pinPipeVariable = 'CONCLAVE_PIN_PIPE_FD';
/** Longer than any PIN a token takes; a frame announcing more ends the pipe. */
const maxPinBytes = 1024;

/** Writes one PIN: its length (4 bytes, big-endian), then its bytes, from the caller's buffer as it is (no copy). */
export function writePin(pipe: Writable, pin: Uint8Array): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(pin.byteLength);
  pipe.write(length);
  pipe.write(pin);
}

/** The host's end: each PIN in a buffer of its own, which the caller overwrites once C_Login has it. */
export class PinPipe {
  private readonly frame = pinBuffer(4 + maxPinBytes);
  private filled = 0;
  private readonly arrived: Buffer[] = [];
  private readonly waiting: { resolve: (pin: Buffer) => void; reject: (error: Error) => void }[] = [];
  private ended: Error | undefined;

  constructor(fd: number) {
    // Read straight into a buffer of ours, overwritten after each read (Node's own read buffers are not).
    // net.Socket takes `onread` for any stream handle; Node's types list it for connect() only.
    const onread: OnReadOpts = {
      buffer: pinBuffer(4 + maxPinBytes),
      callback: (count, buffer) => {
        this.take(buffer.subarray(0, count));
        buffer.fill(0, 0, count);
        return true;
      },
    };
    // net is loaded here, in a host process that reads the pipe: the command line only writes to it (issue 11).
    const { Socket } = process.getBuiltinModule('node:net');
    const socket = new Socket({ fd, readable: true, writable: false, onread } as SocketConstructorOpts);
    socket.on('error', (error) => this.end(error));
    socket.on('end', () => this.end(new Error('The PIN pipe closed.')));
    socket.unref();
  }

  /** The next PIN written (called in the order requests arrive). */
  next(): Promise<Buffer> {
    const pin = this.arrived.shift();
    if (pin) return Promise.resolve(pin);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private take(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && !this.ended) {
      const wanted = this.filled < 4 ? 4 : 4 + this.frame.readUInt32BE(0);
      if (wanted > this.frame.length) return this.end(new Error('The PIN pipe sent a frame longer than any PIN.'));
      const count = Math.min(wanted - this.filled, bytes.length - at);
      this.frame.set(bytes.subarray(at, at + count), this.filled);
      this.filled += count;
      at += count;
      if (this.filled >= 4 && this.filled === 4 + this.frame.readUInt32BE(0)) this.complete(this.filled - 4);
    }
  }

  private complete(length: number): void {
    const pin = pinBuffer(length);
    this.frame.copy(pin, 0, 4, 4 + length);
    this.frame.fill(0, 0, 4 + length);
    this.filled = 0;
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(pin);
    else this.arrived.push(pin);
  }

  private end(error: Error): void {
    this.ended ??= error;
    this.frame.fill(0);
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.ended);
  }
}

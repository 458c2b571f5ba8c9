/**
 * Objects of the store's repository read by one `git cat-file --batch` for a
 * whole operation (issue 15): placing one event in a store of dated folders
 * reads five trees, and starting a git for each cost about 12 ms.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { ConclaveError } from '../../../shared/errors';
import type { GitRunner } from './git';

export interface GitObject {
  /** The object's full id (its length says the repository's object format). */
  id: string;
  type: string;
  bytes: Buffer;
}

interface Request {
  name: string;
  resolve(object: GitObject | undefined): void;
  reject(error: Error): void;
}

export class ObjectReader {
  private readonly pending: Request[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  /**
   * Chunks not yet joined to `buffered`, and how many bytes `buffered` must hold before the first pending answer can be
   * complete: an object of megabytes comes in pipe-sized chunks, and joining each as it came copied it over and over.
   */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private needed = 0;
  private failure: Error | undefined;
  private readonly closed: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    child.stdout.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      if (this.buffered.length + this.chunkBytes < this.needed) return;
      this.buffered = this.buffered.length === 0 && this.chunks.length === 1 ? chunk : Buffer.concat([this.buffered, ...this.chunks]);
      this.chunks = [];
      this.chunkBytes = 0;
      this.answer();
    });
    child.stdin.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      child.once('error', (error) => this.fail(new ConclaveError('internal', `git cat-file could not be started: ${error.message}`, { cause: 'git-failed' })));
      child.once('close', (code) => {
        this.fail(new ConclaveError('internal', `git cat-file ended (exit ${code ?? 'signal'}) before it answered: ${stderr.trim() || 'no reason given'}`, { cause: 'git-failed' }));
        resolve();
      });
    });
  }

  static async start(git: GitRunner, cwd: string): Promise<ObjectReader> {
    return new ObjectReader(await git.process(['cat-file', '--batch'], { cwd }));
  }

  /** The object `name` stands for (an id, "<commit>^{tree}"); undefined when the repository has none. */
  read(name: string): Promise<GitObject | undefined> {
    if (/[\n\r\0]/.test(name)) return Promise.reject(new ConclaveError('internal', `"${name}" is not an object name.`, { cause: 'git-failed' }));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ name, resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  /** Ends git's input and waits until it has gone. */
  async close(): Promise<void> {
    this.child.stdin.end();
    await this.closed;
  }

  /** Answers as many requests as the bytes read so far hold, in the order they were asked. */
  private answer(): void {
    this.needed = 0;
    while (this.pending.length > 0) {
      const newline = this.buffered.indexOf(0x0a);
      if (newline < 0) return;
      const header = this.buffered.toString('utf8', 0, newline);
      const request = this.pending[0]!;
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buffered = this.buffered.subarray(newline + 1);
        this.pending.shift();
        request.resolve(undefined);
        continue;
      }
      const match = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
      if (!match) {
        this.fail(new ConclaveError('internal', `git cat-file answered "${header.slice(0, 200)}" for ${request.name}.`, { cause: 'git-failed' }));
        return;
      }
      const size = Number(match[3]);
      // The object, then a newline.
      if (this.buffered.length < newline + 1 + size + 1) {
        this.needed = newline + 1 + size + 1;
        return;
      }
      const bytes = Buffer.from(this.buffered.subarray(newline + 1, newline + 1 + size));
      this.buffered = this.buffered.subarray(newline + 1 + size + 1);
      this.pending.shift();
      request.resolve({ id: match[1]!, type: match[2]!, bytes });
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.pending.splice(0)) request.reject(this.failure);
  }
}

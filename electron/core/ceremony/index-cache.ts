/**
 * The summary index's cache file (ceremony-index.ts): one line per ceremony,
 * newest first, after a line naming the store and how many follow.
 *
 * Parsing the whole cache of 10,000 ceremonies took most of a warm start
 * (issue 15); in this order the first page is in its first lines, so the
 * index answers from those while the rest is parsed a slice at a time. A
 * cache written before (one JSON document) is still read, whole, once.
 *
 * The cache of 100,000 ceremonies is about 100 MB: it is read a chunk at a
 * time as the index asks for more, and written a line at a time, never held
 * as one string (as one, with its lines split out, it alone took the core's
 * memory past 500 MB).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { CeremonySummarySchema } from '../../../shared/api/ceremony-schemas';
import { ceremonyVersion, type SummaryRecord } from './ceremony-views';

/** What the index keeps of a ceremony: its event files, their stamp (index-judging.ts) and its summary record. */
export interface CachedCeremony {
  files: string[];
  folderTime?: number;
  stamp?: string;
  record: SummaryRecord;
}

const format = 'conclave-summary-cache';

const HeaderSchema = z.object({
  format: z.literal(format),
  version: z.literal(2),
  storeRoot: z.string(),
  count: z.number().int().nonnegative(),
  // Written while a build was judging (the app quit halfway): ceremonies of the store are missing from it.
  partial: z.boolean().optional(),
});

const EntrySchema = z.object({
  files: z.array(z.string()),
  // Absent in caches written before stamps: such a ceremony is compared by its file names once, then stamped.
  folderTime: z.number().optional(),
  stamp: z.string().optional(),
  // Kept as judged: worked out again at every start it would cost more than reading the cache.
  version: z.string().optional(),
  summary: CeremonySummarySchema.omit({ waitingOnMe: true }),
  pendingKeyIds: z.array(z.string()),
});

const LineSchema = EntrySchema.extend({ id: z.string() });

/** The cache before issue 15's pages: one JSON document, in no order. */
const WholeCacheSchema = z.object({ version: z.literal(1), storeRoot: z.string(), ceremonies: z.record(z.string(), EntrySchema) });

function cachedOf(entry: z.output<typeof EntrySchema>): CachedCeremony {
  return {
    files: entry.files,
    ...(entry.folderTime !== undefined ? { folderTime: entry.folderTime } : {}),
    ...(entry.stamp !== undefined ? { stamp: entry.stamp } : {}),
    record: { summary: entry.summary, pendingKeyIds: entry.pendingKeyIds, version: entry.version ?? ceremonyVersion(entry.files, entry.summary) },
  };
}

/** The bytes read before the first page: a few hundred ceremonies, whatever the size of the whole cache. */
const headBytes = 256 * 1024;

/** The bytes read at a time after the head: a thousand ceremonies or so. */
const chunkBytes = 1024 * 1024;

/**
 * A cache file opened: its first bytes (the newest ceremonies) read at once,
 * the rest read and parsed on demand, newest first.
 */
export class SummaryCacheReader {
  private next = 0;
  /** Ceremonies handed out so far (lines that did not parse included). */
  private handed = 0;
  private lines: string[];

  private constructor(
    /** How many ceremonies the cache holds. */
    readonly total: number,
    head: string[],
    /** The lines after the head; undefined when the head is the whole file. */
    private readonly rest: LineReader | undefined,
    private readonly whole: [string, CachedCeremony][] | undefined,
    /** Written halfway through a build: ceremonies of the store are missing from it. */
    readonly partial = false,
  ) {
    this.lines = head;
  }

  /** The cache at `path` if it is one for this store; undefined when there is none, or it is unreadable (it is only a cache). */
  static async open(path: string, storeRoot: string): Promise<SummaryCacheReader | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch {
      return undefined;
    }
    let handedOver = false;
    try {
      const { size } = await handle.stat();
      const first = Buffer.alloc(Math.min(size, headBytes));
      const { bytesRead } = await handle.read(first, 0, first.length, 0);
      // Up to the last line end: a newline byte never falls inside a character, so the cut is clean.
      const lastEnd = first.subarray(0, bytesRead).lastIndexOf(0x0a);
      const headerEnd = first.indexOf(0x0a);
      const header = headerEnd < 0 ? undefined : HeaderSchema.safeParse(parseOrUndefined(first.subarray(0, headerEnd).toString('utf8')));
      if (header?.success) {
        if (header.data.storeRoot !== storeRoot) return undefined;
        const head = linesOf(first, headerEnd + 1, lastEnd + 1);
        const restStart = lastEnd + 1;
        const partial = header.data.partial ?? false;
        if (restStart >= size) return new SummaryCacheReader(head.length, head, undefined, undefined, partial);
        handedOver = true;
        return new SummaryCacheReader(header.data.count, head, new LineReader(handle, restStart, size), undefined, partial);
      }
      const whole = WholeCacheSchema.parse(JSON.parse(await handle.readFile('utf8')));
      if (whole.storeRoot !== storeRoot) return undefined;
      const entries = Object.entries(whole.ceremonies).map(([id, entry]): [string, CachedCeremony] => [id, cachedOf(entry)]);
      return new SummaryCacheReader(entries.length, [], undefined, entries);
    } catch {
      return undefined;
    } finally {
      if (!handedOver) await handle.close().catch(() => undefined);
    }
  }

  /** The next `count` ceremonies of what is read so far (the head at first); a line that does not parse is left out (judged again). */
  readHead(count: number): [string, CachedCeremony][] {
    const from = this.next;
    if (this.whole) {
      this.next = Math.min(this.whole.length, from + count);
      this.handed += this.next - from;
      return this.whole.slice(from, this.next);
    }
    this.next = Math.min(this.lines.length, from + count);
    this.handed += this.next - from;
    return parseLines(this.lines.slice(from, this.next));
  }

  /** The next `count` ceremonies, more of the file read first when what was read is used up; none once every one is read. */
  async read(count: number): Promise<[string, CachedCeremony][]> {
    if (!this.whole && this.rest && this.lines.length - this.next < count && !this.rest.finished) {
      // What was handed out can go: only the lines not yet parsed are kept.
      this.lines = [...this.lines.slice(this.next), ...(await this.rest.lines(count))];
      this.next = 0;
    }
    return this.readHead(count);
  }

  /** Whether every ceremony has been read. */
  get finished(): boolean {
    return this.whole ? this.next >= this.whole.length : (this.rest?.finished ?? true) && this.next >= this.lines.length;
  }

  get done(): number {
    return this.handed;
  }
}

/**
 * The lines of a file from a position to its end, a chunk at a time; the
 * file is closed once the last line is read, or when a read fails (the rest
 * of a cache that cannot be read is judged again).
 */
class LineReader {
  /** The start of a line that the last chunk cut. */
  private partial = Buffer.alloc(0);
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly end: number,
  ) {}

  get finished(): boolean {
    return this.closed;
  }

  /** At least `count` lines unless the file ends first (whole chunks are read, so often more). */
  async lines(count: number): Promise<string[]> {
    const lines: string[] = [];
    try {
      while (lines.length < count && !this.closed) {
        if (this.position >= this.end) {
          if (this.partial.length > 0) lines.push(this.partial.toString('utf8'));
          await this.close();
          break;
        }
        const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, this.end - this.position));
        const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position);
        if (bytesRead === 0) {
          this.position = this.end;
          continue;
        }
        this.position += bytesRead;
        const bytes = this.partial.length > 0 ? Buffer.concat([this.partial, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        const lastEnd = bytes.lastIndexOf(0x0a);
        lines.push(...linesOf(bytes, 0, lastEnd + 1));
        // A copy: the chunk itself can go.
        this.partial = Buffer.from(bytes.subarray(lastEnd + 1));
      }
    } catch {
      await this.close();
    }
    return lines;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.partial = Buffer.alloc(0);
    await this.handle.close().catch(() => undefined);
  }
}

/** The non-empty lines of bytes[from, to), each a string of its own (not a slice of one large string, which would keep it all). */
function linesOf(bytes: Buffer, from: number, to: number): string[] {
  const lines: string[] = [];
  for (let start = from; start < to; ) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0 || end > to) end = to;
    if (end > start) lines.push(bytes.toString('utf8', start, end));
    start = end + 1;
  }
  return lines;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseLines(lines: readonly string[]): [string, CachedCeremony][] {
  const slice: [string, CachedCeremony][] = [];
  for (const line of lines) {
    try {
      const { id, ...entry } = LineSchema.parse(JSON.parse(line));
      slice.push([id, cachedOf(entry)]);
    } catch {
      // Left out: the refresh finds the ceremony uncached and judges it.
    }
  }
  return slice;
}

/**
 * The cache's lines for `entries`, which the caller gives newest first, each with its line end: written as they come,
 * never joined. `partial`: written halfway through a build, without every ceremony of the store.
 */
export function* summaryCacheLines(storeRoot: string, entries: readonly (readonly [string, CachedCeremony])[], partial = false): Generator<string> {
  yield `${JSON.stringify({ format, version: 2, storeRoot, count: entries.length, ...(partial ? { partial } : {}) } satisfies z.input<typeof HeaderSchema>)}\n`;
  for (const [id, entry] of entries) {
    const line: z.input<typeof LineSchema> = {
      id,
      files: entry.files,
      ...(entry.folderTime !== undefined ? { folderTime: entry.folderTime } : {}),
      ...(entry.stamp !== undefined ? { stamp: entry.stamp } : {}),
      version: entry.record.version,
      summary: entry.record.summary,
      pendingKeyIds: entry.record.pendingKeyIds,
    };
    yield `${JSON.stringify(line)}\n`;
  }
}

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
 *
 * Since version 3 the lines come in blocks of about 64 kB, each followed by
 * the SHA-256 of its bytes, and a line is taken as written once its block's
 * digest matches: no schema runs over it. Checking 10,000 lines with the
 * schema took 130-300 ms of a start (V8 runs a parser slowly its first
 * thousand times), and History's count waited for it; hashing them takes
 * 6 ms. The digest tells the app's own bytes from damaged ones (a disk, an
 * edit by hand); it is not a signature, and needs none: the file is written
 * atomically into the app's private folder, it only lists ceremonies, and
 * every decision judges the ceremony again from its event files. A block
 * whose digest does not match is left out, and its ceremonies judged again.
 * The lines' shape is pinned to the version (tests/index/index-cache.test.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Where a data folder keeps the summary index's cache. */
export function summaryCachePath(dataDir: string): string {
  return join(dataDir, 'cache', 'ceremony-summaries.json');
}

const format = 'conclave-summary-cache';
/** The version written: lines in blocks checked by digest. Version 2 (each line checked by the schema) is still read. */
const cacheVersion = 3;

const HeaderSchema = z.object({
  format: z.literal(format),
  version: z.union([z.literal(2), z.literal(cacheVersion)]),
  storeRoot: z.string(),
  count: z.number().int().nonnegative(),
  // Written while a build was judging (the app quit halfway): ceremonies of the store are missing from it.
  partial: z.boolean().optional(),
  // The version of Conclave whose judge decided the summaries (absent before it was written: an earlier one's).
  judgedBy: z.string().optional(),
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

/** A ceremony's line. Its shape is version 3's: a change to it needs a new version (a test holds it to that). */
export const CacheLineSchema = EntrySchema.extend({ id: z.string() });
type CacheLine = z.output<typeof CacheLineSchema>;

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

/** The size of a block of lines under one digest: several fit in the head, so the first page has a few hundred ceremonies. */
const blockBytes = 64 * 1024;

/** How a block's digest line starts, after the line end of the block's last line. */
const blockMark = Buffer.from('\n{"block":"');

/**
 * A line of the cache as read: its text once it is known to be as written
 * (its block's digest matched, or in version 2 before the schema's check), or
 * undefined when its block was damaged (the ceremony is judged again).
 */
type ReadLine = string | undefined;

/**
 * Where the whole lines of some bytes end, and those lines: in version 2 at
 * the last line end; in version 3 at the end of the last whole block, its
 * lines checked against its digest.
 */
interface LineCut {
  cut(bytes: Buffer, from: number, to: number): { lines: ReadLine[]; end: number };
  /** The lines left after the last cut when the file ends (in version 3 without a digest: not taken). */
  leftover(bytes: Buffer): ReadLine[];
  /** A line's ceremony, or undefined when it is not one. */
  ceremony(line: string): [string, CachedCeremony] | undefined;
}

const linesCheckedBySchema: LineCut = {
  cut(bytes, from, to) {
    const end = bytes.subarray(0, to).lastIndexOf(0x0a) + 1;
    return end <= from ? { lines: [], end: from } : { lines: linesOf(bytes, from, end), end };
  },
  leftover: (bytes) => linesOf(bytes, 0, bytes.length),
  ceremony(line) {
    const { id, ...entry } = CacheLineSchema.parse(JSON.parse(line));
    return [id, cachedOf(entry)];
  },
};

const linesCheckedByBlock: LineCut = {
  cut(bytes, from, to) {
    const lines: ReadLine[] = [];
    let blockStart = from;
    for (;;) {
      // The mark starts with the line end of the block's last line (a block is never empty).
      const markAt = bytes.indexOf(blockMark, blockStart);
      if (markAt < 0 || markAt + blockMark.length > to) break;
      const digestLineEnd = bytes.indexOf(0x0a, markAt + 1);
      if (digestLineEnd < 0 || digestLineEnd >= to) break;
      const block = bytes.subarray(blockStart, markAt + 1);
      if (blockDigestOf(bytes.toString('utf8', markAt + 1, digestLineEnd)) === createHash('sha256').update(block).digest('hex')) lines.push(...linesOf(bytes, blockStart, markAt + 1));
      else lines.push(...Array.from(linesOf(bytes, blockStart, markAt + 1), () => undefined));
      blockStart = digestLineEnd + 1;
    }
    return { lines, end: blockStart };
  },
  leftover: (bytes) => Array.from(linesOf(bytes, 0, bytes.length), () => undefined),
  ceremony(line) {
    // Its block's digest matched: these are the bytes this module wrote from a typed line (summaryCacheLines).
    const { id, ...entry } = JSON.parse(line) as CacheLine;
    return typeof id === 'string' ? [id, cachedOf(entry)] : undefined;
  },
};

function blockDigestOf(line: string): string | undefined {
  try {
    const { block } = JSON.parse(line) as { block?: unknown };
    return typeof block === 'string' ? block : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A cache file opened: its first bytes (the newest ceremonies) read at once,
 * the rest read and parsed on demand, newest first.
 */
export class SummaryCacheReader {
  private next = 0;
  /** Ceremonies handed out so far (lines that did not parse, or whose block was damaged, included). */
  private handed = 0;
  private lines: ReadLine[];

  private constructor(
    /** How many ceremonies the cache holds. */
    readonly total: number,
    head: ReadLine[],
    /** The lines after the head; undefined when the head is the whole file. */
    private readonly rest: LineReader | undefined,
    private readonly whole: [string, CachedCeremony][] | undefined,
    private readonly lineCut: LineCut = linesCheckedByBlock,
    /** Written halfway through a build: ceremonies of the store are missing from it. */
    readonly partial = false,
    /** Written by an earlier version of Conclave, in an earlier form: worth writing again in this one. */
    readonly older = false,
    /** The version of Conclave whose judge decided the summaries; undefined for caches written before it was noted. */
    readonly judgedBy?: string,
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
      const headerEnd = first.indexOf(0x0a);
      const header = headerEnd < 0 ? undefined : HeaderSchema.safeParse(parseOrUndefined(first.subarray(0, headerEnd).toString('utf8')));
      if (header?.success) {
        if (header.data.storeRoot !== storeRoot) return undefined;
        const lineCut = header.data.version === cacheVersion ? linesCheckedByBlock : linesCheckedBySchema;
        const read = first.subarray(0, bytesRead);
        const { lines: head, end: restStart } = lineCut.cut(read, headerEnd + 1, read.length);
        const partial = header.data.partial ?? false;
        const older = header.data.version !== cacheVersion;
        const { judgedBy } = header.data;
        if (restStart >= size) return new SummaryCacheReader(head.length, head, undefined, undefined, lineCut, partial, older, judgedBy);
        handedOver = true;
        return new SummaryCacheReader(header.data.count, head, new LineReader(handle, restStart, size, lineCut), undefined, lineCut, partial, older, judgedBy);
      }
      const whole = WholeCacheSchema.parse(JSON.parse(await handle.readFile('utf8')));
      if (whole.storeRoot !== storeRoot) return undefined;
      const entries = Object.entries(whole.ceremonies).map(([id, entry]): [string, CachedCeremony] => [id, cachedOf(entry)]);
      return new SummaryCacheReader(entries.length, [], undefined, entries, undefined, false, true);
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
    return ceremoniesOf(this.lines.slice(from, this.next), this.lineCut);
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
  /** The bytes after the last cut: the start of a line, or of a block, that the last chunk cut. */
  private partial = Buffer.alloc(0);
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly end: number,
    private readonly lineCut: LineCut,
  ) {}

  get finished(): boolean {
    return this.closed;
  }

  /** At least `count` lines unless the file ends first (whole chunks are read, so often more). */
  async lines(count: number): Promise<ReadLine[]> {
    const lines: ReadLine[] = [];
    try {
      while (lines.length < count && !this.closed) {
        if (this.position >= this.end) {
          if (this.partial.length > 0) lines.push(...this.lineCut.leftover(this.partial));
          await this.close();
          break;
        }
        // Read in after what the last chunk left, which is small (part of a block): not a megabyte copied per chunk.
        const chunk = Buffer.allocUnsafe(this.partial.length + Math.min(chunkBytes, this.end - this.position));
        this.partial.copy(chunk);
        const { bytesRead } = await this.handle.read(chunk, this.partial.length, chunk.length - this.partial.length, this.position);
        if (bytesRead === 0) {
          this.position = this.end;
          continue;
        }
        this.position += bytesRead;
        const bytes = chunk.subarray(0, this.partial.length + bytesRead);
        const cut = this.lineCut.cut(bytes, 0, bytes.length);
        lines.push(...cut.lines);
        // A copy: the chunk itself can go.
        this.partial = Buffer.from(bytes.subarray(cut.end));
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

/**
 * The non-empty lines of bytes[from, to), which end at a line end (or the end of the file). Decoded at once and split:
 * per line, finding its end and decoding it took most of the time of reading the cache. The lines are slices of the
 * decoded text, which stays in memory until they are parsed: a chunk's worth, not the whole file.
 */
function linesOf(bytes: Buffer, from: number, to: number): string[] {
  return bytes.toString('utf8', from, to).split('\n').filter((line) => line.length > 0);
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function ceremoniesOf(lines: readonly ReadLine[], lineCut: LineCut): [string, CachedCeremony][] {
  const slice: [string, CachedCeremony][] = [];
  for (const line of lines) {
    if (line === undefined) continue; // its block was damaged: the refresh finds the ceremony uncached and judges it
    try {
      const ceremony = lineCut.ceremony(line);
      if (ceremony) slice.push(ceremony);
    } catch {
      // Left out: the refresh finds the ceremony uncached and judges it.
    }
  }
  return slice;
}

/**
 * The cache's lines for `entries`, which the caller gives newest first, each with its line end: written as they come,
 * never joined, a block's digest after every 64 kB or so. `partial`: written halfway through a build, without every
 * ceremony of the store. `judgedBy`: the version of Conclave whose judge decided them.
 */
export function* summaryCacheLines(storeRoot: string, entries: readonly (readonly [string, CachedCeremony])[], partial = false, judgedBy?: string): Generator<string> {
  yield `${JSON.stringify({ format, version: cacheVersion, storeRoot, count: entries.length, ...(partial ? { partial } : {}), ...(judgedBy !== undefined ? { judgedBy } : {}) } satisfies z.input<typeof HeaderSchema>)}\n`;
  let block: Hash | undefined;
  let blockLength = 0;
  for (const [id, entry] of entries) {
    const line: z.input<typeof CacheLineSchema> = {
      id,
      files: entry.files,
      ...(entry.folderTime !== undefined ? { folderTime: entry.folderTime } : {}),
      ...(entry.stamp !== undefined ? { stamp: entry.stamp } : {}),
      version: entry.record.version,
      summary: entry.record.summary,
      pendingKeyIds: entry.record.pendingKeyIds,
    };
    const text = `${JSON.stringify(line)}\n`;
    (block ??= createHash('sha256')).update(text, 'utf8');
    blockLength += text.length;
    yield text;
    if (blockLength >= blockBytes) {
      yield blockLine(block);
      [block, blockLength] = [undefined, 0];
    }
  }
  if (block) yield blockLine(block);
}

function blockLine(block: Hash): string {
  return `${JSON.stringify({ block: block.digest('hex') })}\n`;
}

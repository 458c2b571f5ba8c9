/**
 * The summary index's cache file (ceremony-index.ts): one line per ceremony,
 * newest first, after a line naming the store and how many follow.
 *
 * Parsing the whole cache of 10,000 ceremonies took most of a warm start
 * (issue 15); in this order the first page is in its first lines, so the
 * index answers from those while the rest is parsed a slice at a time. A
 * cache written before (one JSON document) is still read, whole, once.
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

const HeaderSchema = z.object({ format: z.literal(format), version: z.literal(2), storeRoot: z.string(), count: z.number().int().nonnegative() });

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

/**
 * A cache file opened: its first bytes (the newest ceremonies) read at once,
 * the rest read and parsed on demand, newest first.
 */
export class SummaryCacheReader {
  private next = 0;
  /** Ceremonies handed out so far (lines that did not parse included). */
  private handed = 0;
  private lines: string[];
  private restTaken: boolean;

  private constructor(
    /** How many ceremonies the cache holds. */
    readonly total: number,
    head: string[],
    /** The lines after the head, read meanwhile; undefined when the head is the whole file. */
    private readonly restLines: Promise<string[]> | undefined,
    private readonly whole: [string, CachedCeremony][] | undefined,
  ) {
    this.lines = head;
    this.restTaken = restLines === undefined;
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
        const head = first.subarray(headerEnd + 1, lastEnd + 1).toString('utf8').split('\n').filter((line) => line.length > 0);
        const restStart = lastEnd + 1;
        if (restStart >= size) return new SummaryCacheReader(head.length, head, undefined, undefined);
        handedOver = true;
        const rest = readRest(handle, restStart, size - restStart);
        // Whatever fails there is seen (and forgiven) by read(); not an unhandled rejection meanwhile.
        rest.catch(() => undefined);
        return new SummaryCacheReader(header.data.count, head, rest, undefined);
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

  /** The next `count` ceremonies, the rest of the file read first when the head is used up; none once every one is read. */
  async read(count: number): Promise<[string, CachedCeremony][]> {
    if (!this.whole && this.next >= this.lines.length && !this.restTaken) {
      this.restTaken = true;
      this.lines = await this.restLines!.catch(() => []);
      this.next = 0;
    }
    return this.readHead(count);
  }

  /** Whether every ceremony has been read. */
  get finished(): boolean {
    return this.whole ? this.next >= this.whole.length : this.restTaken && this.next >= this.lines.length;
  }

  get done(): number {
    return this.handed;
  }
}

async function readRest(handle: FileHandle, from: number, length: number): Promise<string[]> {
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, from);
    return bytes.subarray(0, bytesRead).toString('utf8').split('\n').filter((line) => line.length > 0);
  } finally {
    await handle.close();
  }
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

/** The cache's text for `entries`, which the caller gives newest first. */
export function summaryCacheText(storeRoot: string, entries: readonly (readonly [string, CachedCeremony])[]): string {
  const lines = [JSON.stringify({ format, version: 2, storeRoot, count: entries.length } satisfies z.input<typeof HeaderSchema>)];
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
    lines.push(JSON.stringify(line));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Summaries of every ceremony in the store, for the Ceremonies and History
 * screens. Loading a ceremony reads its files and checks every signature, so
 * summaries are cached (in the data folder, not the shared store) with a
 * stamp of their event files (index-judging.ts): a ceremony is read and
 * judged again only when a file came, went or changed, or when the clock may
 * have expired it, or trust in its policy changed (issue 15).
 *
 * What must be judged is judged newest first, on threads when there is much
 * of it (index-threads.ts), and each summary is in the index as soon as it is
 * judged: a first start lists the newest ceremonies while the rest is built.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CeremonySummarySchema } from '../../../shared/api/ceremony-schemas';
import { writeFileAtomically } from '../atomic-file';
import type { CeremonyService, LoadedCeremony } from './ceremony-service';
import { ceremonyVersion, summarize, type SummaryRecord } from './ceremony-views';
import { eventFilesStamp, judgeForIndex, sameList, type EventFilesStamp, type IndexedCeremony } from './index-judging';
import { judgeOnThreads, type IndexThreadOptions } from './index-threads';

const CacheSchema = z.object({
  version: z.literal(1),
  storeRoot: z.string(),
  ceremonies: z.record(
    z.string(),
    z.object({
      files: z.array(z.string()),
      // Absent in caches written before stamps: such a ceremony is compared by its file names once, then stamped.
      folderTime: z.number().optional(),
      stamp: z.string().optional(),
      // Kept as judged: worked out again at every start it would cost more than reading the cache.
      version: z.string().optional(),
      summary: CeremonySummarySchema.omit({ waitingOnMe: true }),
      pendingKeyIds: z.array(z.string()),
    }),
  ),
});

interface Entry {
  files: string[];
  folderTime?: number;
  stamp?: string;
  record: SummaryRecord;
}

/** How far a build of the index is: ceremonies judged out of those that needed it. */
export interface IndexProgress {
  done: number;
  total: number;
}

export interface CeremonyIndexOptions {
  /** Where the engine's trust lives, for the index threads' own engines; without it everything is judged on this thread. */
  dataDir?: string;
  /** Index threads; from how many ceremonies to judge they are worth starting (about the cost of starting one). */
  threads?: IndexThreadOptions & { from?: number };
}

/** How many ceremonies load at once on this thread: enough to overlap file reads, few enough for two cores. */
const loadConcurrency = 8;
/** Ceremony folders stamped at once on a refresh. */
const stampConcurrency = 64;
/** Below this many ceremonies to judge, starting threads costs more than it saves. */
const threadsFrom = 64;

export class CeremonyIndex {
  private readonly entries = new Map<string, Entry>();
  /** Goes up whenever a summary changes, so callers can keep derived lists (sorted, filtered) until it does. */
  version = 0;
  /** Ceremonies read and judged by this index since it was made: tests count them (a change costs one judgement). */
  judgements = 0;
  /** Summaries the saved cache held at start (0: a first start, everything is judged). */
  fromCache = 0;
  private building: IndexProgress | undefined;
  private cacheLoaded: Promise<void> | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly service: CeremonyService,
    private readonly cachePath: string,
    private readonly now: () => Date = () => new Date(),
    private readonly options: CeremonyIndexOptions = {},
  ) {}

  private readCache(): Promise<void> {
    this.cacheLoaded ??= this.loadCache();
    return this.cacheLoaded;
  }

  private async loadCache(): Promise<void> {
    try {
      const cache = CacheSchema.parse(JSON.parse(await readFile(this.cachePath, 'utf8')));
      if (cache.storeRoot !== this.service.store.root) return;
      for (const [id, entry] of Object.entries(cache.ceremonies)) {
        this.entries.set(id, {
          files: entry.files,
          ...(entry.folderTime !== undefined ? { folderTime: entry.folderTime } : {}),
          ...(entry.stamp !== undefined ? { stamp: entry.stamp } : {}),
          record: { summary: entry.summary, pendingKeyIds: entry.pendingKeyIds, version: entry.version ?? ceremonyVersion(entry.files, entry.summary) },
        });
      }
      this.fromCache = this.entries.size;
      this.version++;
    } catch {
      // No cache, or one from another version: it is only a cache, build it again.
    }
  }

  /** While a refresh judges ceremonies: how far it is; undefined when the index is complete. */
  progress(): IndexProgress | undefined {
    return this.building ? { ...this.building } : undefined;
  }

  /** Settles once the saved summaries are in the index (pages can answer from them while a refresh runs). */
  cached(): Promise<void> {
    return this.readCache();
  }

  /**
   * Brings every summary up to date with the store; returns the ids whose
   * summary changed. `onProgress` hears after each ceremony judged.
   * `thorough` (the first refresh of a start) stamps every file, even in
   * folders not touched since the last stamp: a file rewritten in place (a
   * restored backup) leaves its folder's time as it was. Later refreshes
   * trust the folder's time: Conclave, git and sync add files, never rewrite one.
   */
  async refresh(options: { onProgress?: (progress: IndexProgress) => void; thorough?: boolean } = {}): Promise<string[]> {
    const { onProgress } = options;
    await this.readCache();
    const ids = await this.service.store.listCeremonies();
    const present = new Set(ids);
    const changed: string[] = [];
    for (const id of [...this.entries.keys()]) {
      if (!present.has(id)) {
        this.entries.delete(id);
        changed.push(id);
      }
    }
    // Trusting a policy (or no longer trusting one) changes what counts in every ceremony under it.
    const trusted = await this.service.trustedPolicies();
    const trustChanged = (record: SummaryRecord) => trusted !== undefined && record.summary.policyTrusted !== trusted.has(record.summary.policy.digest);
    const needsJudging = async (id: string): Promise<boolean> => {
      const cached = this.entries.get(id);
      // Never indexed: judged, and stamped then.
      if (!cached || this.mayHaveExpired(cached.record) || trustChanged(cached.record)) return true;
      const stamped = await eventFilesStamp(this.service.store, id, options.thorough ? undefined : stampOf(cached));
      if (!sameList(cached.files, stamped.files) || (cached.stamp !== undefined && cached.stamp !== stamped.stamp)) return true;
      // The same files: at most the stamp is new (first stamped, or the folder touched).
      cached.stamp = stamped.stamp;
      cached.folderTime = stamped.folderTime;
      return false;
    };
    const stale: string[] = [];
    // A few dozen folders at a time: enough to keep the disk busy, not tens of thousands of stats queued at once.
    for (let start = 0; start < ids.length; start += stampConcurrency) {
      const batch = ids.slice(start, start + stampConcurrency);
      const verdicts = await Promise.all(batch.map(needsJudging));
      stale.push(...batch.filter((_, position) => verdicts[position]));
    }
    // Newest first (ids begin with their opening day), so the first rows are there first.
    stale.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    if (stale.length > 0) {
      const building: IndexProgress = { done: 0, total: stale.length };
      this.building = building;
      const judged = (id: string, indexed: IndexedCeremony | undefined) => {
        this.judgements++;
        building.done++;
        if (indexed) {
          this.entries.set(id, { files: indexed.files, folderTime: indexed.folderTime, stamp: indexed.stamp, record: indexed.record });
          changed.push(id);
          this.version++;
        }
        onProgress?.({ ...building });
      };
      try {
        await this.judgeAll(stale, judged);
      } finally {
        this.building = undefined;
      }
    }
    if (changed.length > 0) {
      this.version++;
      this.save();
    }
    return changed;
  }

  private async judgeAll(ids: readonly string[], judged: (id: string, indexed: IndexedCeremony | undefined) => void): Promise<void> {
    const here = (id: string) => judgeForIndex(this.service, id);
    const threads = this.options.threads;
    if (this.options.dataDir !== undefined && threads && ids.length >= (threads.from ?? threadsFrom)) {
      const setup = { dataDir: this.options.dataDir, storeDir: this.service.store.root, clockOffsetMs: this.now().getTime() - Date.now() };
      return judgeOnThreads(ids, setup, judged, here, threads);
    }
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: loadConcurrency }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) judged(id, await here(id));
      }),
    );
  }

  /** Reloads one ceremony (after this app changed it, or `loaded` as it changed it); returns its new summary record. */
  async update(id: string, loaded?: LoadedCeremony): Promise<SummaryRecord | undefined> {
    await this.readCache();
    if (!loaded) {
      this.judgements++;
      const indexed = await judgeForIndex(this.service, id);
      if (!indexed) return undefined;
      this.entries.set(id, { files: indexed.files, folderTime: indexed.folderTime, stamp: indexed.stamp, record: indexed.record });
    } else {
      const stamped = await eventFilesStamp(this.service.store, id);
      this.entries.set(id, { ...stamped, record: summarize(loaded) });
    }
    this.version++;
    this.save();
    return this.entries.get(id)!.record;
  }

  records(): SummaryRecord[] {
    return [...this.entries.values()].map((entry) => entry.record);
  }

  private newestFirst: { version: number; records: SummaryRecord[] } | undefined;

  /** Every record, newest opening first (then by id, as the window orders them); sorted once per change, not once per search. */
  recordsNewestFirst(): SummaryRecord[] {
    if (this.newestFirst?.version !== this.version) {
      this.newestFirst = { version: this.version, records: this.records().sort(newestFirst) };
    }
    return this.newestFirst.records;
  }

  record(id: string): SummaryRecord | undefined {
    return this.entries.get(id)?.record;
  }

  private mayHaveExpired(record: SummaryRecord): boolean {
    return (record.summary.state === 'open' || record.summary.state === 'frozen') && Date.parse(record.summary.expiresAt) < this.now().getTime();
  }

  /** Coalesces writes: with 10,000 ceremonies the cache is megabytes, and one approval should not rewrite it at once. */
  private save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.writeCache();
    }, 1000);
    this.saveTimer.unref?.();
  }

  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  private writeCache(): void {
    const cache: z.input<typeof CacheSchema> = {
      version: 1,
      storeRoot: this.service.store.root,
      ceremonies: Object.fromEntries(
        [...this.entries].map(([id, entry]) => [
          id,
          {
            files: entry.files,
            ...(entry.folderTime !== undefined ? { folderTime: entry.folderTime } : {}),
            ...(entry.stamp !== undefined ? { stamp: entry.stamp } : {}),
            version: entry.record.version,
            summary: entry.record.summary,
            pendingKeyIds: entry.record.pendingKeyIds,
          },
        ]),
      ),
    };
    this.saving = this.saving.then(() => writeFileAtomically(this.cachePath, JSON.stringify(cache)).catch(() => undefined));
  }

  /** Writes any pending cache now; settles when the last write has finished (tests, shutdown). */
  flushed(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.writeCache();
    }
    return this.saving;
  }
}

/** The order of every list: newest opening first, then by id (descending), as the window's own ordering. */
export function newestFirst(a: SummaryRecord, b: SummaryRecord): number {
  if (a.summary.openedAt !== b.summary.openedAt) return a.summary.openedAt < b.summary.openedAt ? 1 : -1;
  return a.summary.id < b.summary.id ? 1 : a.summary.id > b.summary.id ? -1 : 0;
}

function stampOf(entry: Entry): EventFilesStamp | undefined {
  return entry.stamp !== undefined && entry.folderTime !== undefined ? { files: entry.files, folderTime: entry.folderTime, stamp: entry.stamp } : undefined;
}

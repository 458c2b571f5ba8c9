/**
 * Summaries of every ceremony in the store, for the Ceremonies and History
 * screens. Loading a ceremony reads its files and checks every signature, so
 * summaries are cached (in the data folder, not the shared store) with a
 * stamp of their event files (index-judging.ts): a ceremony is read and
 * judged again only when a file came, went or changed, or when the clock may
 * have expired it, or trust in its policy changed (issue 15), or another
 * version of Conclave's judge decided it (an upgrade may fix a rule).
 *
 * What must be judged is judged newest first, on threads when there is much
 * of it (index-threads.ts), and each summary is in the index as soon as it is
 * judged: a first start lists the newest ceremonies while the rest is built.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { writeFileAtomically } from '../atomic-file';
import type { CeremonyService, LoadedCeremony } from './ceremony-service';
import { summarize, type SummaryRecord } from './ceremony-views';
import { SummaryCacheReader, summaryCacheLines, type CachedCeremony } from './index-cache';
import { cacheNotSavedMessage, cacheUnwritable } from './cache-not-saved';
import { sameList } from '../../../shared/lists/same-list';
import { CheckedSignatures, checkedSignaturesPath } from '../crypto/checked-signatures';
import { eventFilesStamp, judgeForIndex, type EventFilesStamp, type IndexedCeremony } from './index-judging';
import { judgeOnThreads, type IndexThreadOptions } from './index-threads';
import { eachAtOnce } from '../../../shared/lists/each-at-once';
import { conclaveVersion } from '../version';
import { isEventFileName } from '../../../shared/ceremony/bundle-format';

type Entry = CachedCeremony;

export interface RefreshOptions {
  onProgress?: (progress: IndexProgress) => void;
  thorough?: boolean;
  restamp?: readonly string[];
}

/** A refresh waiting for the one that runs: later calls join it. */
interface WaitingRefresh {
  thorough: boolean;
  restamp: Set<string>;
  listeners: ((progress: IndexProgress) => void)[];
  changed: Promise<string[]>;
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
  /** The version of Conclave whose judge this is (this build's unless a test says): saved summaries another one decided are judged again. */
  judgedBy?: string;
}

/** How many ceremonies load at once on this thread: enough to overlap file reads, few enough for two cores. */
const loadConcurrency = 8;
/** Ceremony folders stamped at once on a refresh. */
const stampConcurrency = 64;
/** Below this many ceremonies to judge, starting threads costs more than it saves. */
const threadsFrom = 64;
/** Saved summaries parsed before the first page answers (the newest: the cache is in list order), then per slice. */
const cacheHead = 250;
const cacheSlice = 2000;

export class CeremonyIndex {
  private readonly entries = new Map<string, Entry>();
  /** Goes up whenever a summary changes, so callers can keep derived lists (sorted, filtered) until it does. */
  version = 0;
  /** Ceremonies read and judged by this index since it was made: tests count them (a change costs one judgement). */
  judgements = 0;
  /** Summaries the saved cache held at start (0: a first start, everything is judged). */
  fromCache = 0;
  /** The saved cache was written halfway through a build (the app quit): the rest of the store is judged as a first build is. */
  cacheWasPartial = false;
  /** The saved cache was written by an earlier version: the first refresh writes it again in this one's form. */
  private cacheWasOlder = false;
  /**
   * Whether the summaries cover every ceremony the store held at the last look: not until a refresh has ended (or a
   * cache written then is read), and not while a refresh judges. A cache written otherwise says it is partial.
   */
  private coversStore = false;
  private building: IndexProgress | undefined;
  /** While the saved summaries are parsed, slice by slice: how far. */
  private loading: IndexProgress | undefined;
  private cacheHeadLoaded: Promise<{ rest: () => Promise<void> }> | undefined;
  private saving: Promise<void> = Promise.resolve();
  /**
   * Summaries judged since the cache was last written. Set only after the whole
   * saved cache is in (every refresh and update reads it first), so writing
   * them never drops a saved summary not yet parsed.
   */
  private unsaved = false;
  /** Why the summaries cannot be saved, for the person (cache-not-saved.ts); undefined once a write succeeds. */
  private notSaved: string | undefined;
  /** The version of Conclave whose judge decided the saved summaries (undefined: one from before it was noted). */
  private cacheJudgedBy: string | undefined;
  /**
   * Ceremonies whose summary came from a cache another version's judge decided: after an upgrade the first refresh
   * judges them again (a fixed rule may count an approval differently), while the window lists them meanwhile.
   */
  private readonly judgedElsewhere = new Set<string>();

  constructor(
    private readonly service: CeremonyService,
    private readonly cachePath: string,
    private readonly now: () => Date = () => new Date(),
    private readonly options: CeremonyIndexOptions = {},
  ) {}

  /** Settles once the saved summaries are all in the index. */
  private async readCache(): Promise<void> {
    await (await this.readCacheHead()).rest();
  }

  /**
   * Settles once the newest saved summaries are in the index, with what parses the rest: started by the first caller
   * that needs them all (a refresh, an update, cached(true)), so a start can answer its first page before the rest.
   */
  private readCacheHead(): Promise<{ rest: () => Promise<void> }> {
    this.cacheHeadLoaded ??= this.loadCacheHead();
    return this.cacheHeadLoaded;
  }

  private async loadCacheHead(): Promise<{ rest: () => Promise<void> }> {
    const loaded = () => Promise.resolve();
    const [reader, unwritable] = await Promise.all([SummaryCacheReader.open(this.cachePath, this.service.store.root), cacheUnwritable(this.cachePath)]);
    this.notSaved ??= unwritable;
    if (!reader || reader.total === 0) return { rest: loaded };
    this.fromCache = reader.total;
    this.cacheJudgedBy = reader.judgedBy;
    this.cacheWasPartial = reader.partial;
    this.cacheWasOlder = reader.older;
    this.coversStore = !reader.partial;
    this.takeCached(reader.readHead(cacheHead));
    if (reader.finished) return { rest: loaded };
    this.loading = { done: reader.done, total: reader.total };
    let rest: Promise<void> | undefined;
    return { rest: () => (rest ??= this.loadCacheRest(reader)) };
  }

  /** The rest of the cache, a slice per turn of the event loop: calls (a first page, a search) answer in between. */
  private async loadCacheRest(reader: SummaryCacheReader): Promise<void> {
    try {
      while (!reader.finished) {
        await nextTurn();
        this.takeCached(await reader.read(cacheSlice));
        this.loading = { done: Math.min(reader.done, reader.total), total: reader.total };
      }
    } finally {
      this.loading = undefined;
    }
  }

  private takeCached(slice: readonly [string, CachedCeremony][]): void {
    const elsewhere = this.cacheJudgedBy !== this.judge;
    for (const [id, entry] of slice) {
      this.entries.set(id, entry);
      if (elsewhere) this.judgedElsewhere.add(id);
    }
    this.version++;
  }

  /** This build's version, whose judge decides the summaries written here. */
  private get judge(): string {
    return this.options.judgedBy ?? conclaveVersion;
  }

  /** A summary this judge decided (judged here, or taken from a sync of this version): no longer one to judge again. */
  private setJudged(id: string, entry: Entry): void {
    this.entries.set(id, entry);
    this.judgedElsewhere.delete(id);
  }

  /** While a refresh judges ceremonies, or the saved summaries are parsed: how far it is; undefined when the index is complete. */
  progress(): IndexProgress | undefined {
    const progress = this.building ?? this.loading;
    return progress ? { ...progress } : undefined;
  }

  /**
   * Settles once the newest saved summaries are in the index (pages can
   * answer from them while the rest is parsed and a refresh runs); `whole`:
   * once every saved summary is (parsing the rest if nobody has yet).
   */
  async cached(whole = false): Promise<void> {
    const { rest } = await this.readCacheHead();
    if (whole) await rest();
  }

  /**
   * Brings every summary up to date with the store; returns the ids whose
   * summary changed. `onProgress` hears after each ceremony judged.
   * `thorough` (the first refresh of a start) stamps every file, even in
   * folders not touched since the last stamp: a file rewritten in place (a
   * restored backup) leaves its folder's time as it was. Later refreshes
   * trust the folder's time (Conclave, git and sync add files, never rewrite
   * one), except for the ceremonies in `restamp`: those the store watcher saw
   * a file of change, stamped file by file so that a rewrite is seen too.
   */
  refresh(options: RefreshOptions = {}): Promise<string[]> {
    // One refresh at a time. Two at once could each judge a ceremony, and the one that read it first finish last,
    // leaving an older summary over a newer one with no refresh after it to see so (the window would show an approval
    // late, or never). A refresh asked for while one runs waits for it, and joins any other that waits already.
    const waiting = this.waitingRefresh;
    if (waiting) {
      waiting.thorough ||= options.thorough ?? false;
      for (const id of options.restamp ?? []) waiting.restamp.add(id);
      if (options.onProgress) waiting.listeners.push(options.onProgress);
      return waiting.changed;
    }
    const next: WaitingRefresh = { thorough: options.thorough ?? false, restamp: new Set(options.restamp), listeners: options.onProgress ? [options.onProgress] : [], changed: Promise.resolve([]) };
    next.changed = this.lastRefresh.then(() => {
      this.waitingRefresh = undefined;
      return this.refreshOnce(next.thorough, next.restamp, (progress) => next.listeners.forEach((listener) => listener(progress)));
    });
    this.waitingRefresh = next;
    this.lastRefresh = next.changed.catch(() => undefined);
    return next.changed;
  }

  private waitingRefresh: WaitingRefresh | undefined;
  private lastRefresh: Promise<unknown> = Promise.resolve();

  private async refreshOnce(thorough: boolean, restamp: ReadonlySet<string>, onProgress: (progress: IndexProgress) => void): Promise<string[]> {
    await this.readCache();
    const ids = await this.service.store.listCeremonies();
    const present = new Set(ids);
    const changed: string[] = [];
    for (const id of [...this.entries.keys()]) {
      if (!present.has(id)) {
        this.entries.delete(id);
        this.judgedElsewhere.delete(id);
        changed.push(id);
      }
    }
    // Trusting a policy (or no longer trusting one) changes what counts in every ceremony under it.
    const trusted = await this.service.trustedPolicies();
    const trustChanged = (record: SummaryRecord) => trusted !== undefined && record.summary.policyTrusted !== trusted.has(record.summary.policy.digest);
    const needsJudging = async (id: string): Promise<boolean> => {
      const cached = this.entries.get(id);
      // Never indexed: judged, and stamped then.
      if (!cached || this.judgedElsewhere.has(id) || this.mayHaveExpired(cached.record) || trustChanged(cached.record)) return true;
      const stamped = await eventFilesStamp(this.service.store, id, thorough || restamp.has(id) ? undefined : stampOf(cached));
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
    let judgedAgainAlike = false;
    if (stale.length > 0) {
      const building: IndexProgress = { done: 0, total: stale.length };
      this.building = building;
      this.coversStore = false;
      const judged = (id: string, indexed: IndexedCeremony | undefined) => {
        this.judgements++;
        building.done++;
        if (indexed) {
          const before = this.judgedElsewhere.has(id) ? this.entries.get(id)?.record : undefined;
          this.setJudged(id, { files: indexed.files, folderTime: indexed.folderTime, stamp: indexed.stamp, record: indexed.record });
          // After an upgrade, a summary this judge decides as the last one did is no change for the window to hear of.
          if (before && sameRecord(before, indexed.record)) judgedAgainAlike = true;
          else changed.push(id);
          this.version++;
          this.unsaved = true;
        } else if (this.judgedElsewhere.delete(id)) {
          // This judge cannot load what an earlier one listed: not listed, as in an index built from nothing.
          this.entries.delete(id);
          changed.push(id);
          this.version++;
        }
        onProgress({ ...building });
      };
      try {
        await this.judgeAll(stale, judged);
      } finally {
        this.building = undefined;
      }
    }
    const coveredBefore = this.coversStore;
    this.coversStore = true;
    if (changed.length > 0 || judgedAgainAlike) {
      this.version++;
      this.save();
    } else if ((!coveredBefore && this.cacheWasPartial) || this.cacheWasOlder) {
      // Nothing new to judge, but the saved cache still says it is partial, or is in an earlier version's form (read
      // more slowly, or not at all by a later version).
      this.cacheWasOlder = false;
      this.save();
    }
    return changed;
  }

  private async judgeAll(ids: readonly string[], judged: (id: string, indexed: IndexedCeremony | undefined) => void): Promise<void> {
    const here = (id: string) => judgeForIndex(this.service, id);
    const threads = this.options.threads;
    if (this.options.dataDir !== undefined && threads && ids.length >= (threads.from ?? threadsFrom)) {
      const setup = {
        dataDir: this.options.dataDir,
        storeDir: this.service.store.root,
        clockOffsetMs: this.now().getTime() - Date.now(),
        checkedSignatures: CheckedSignatures.read(checkedSignaturesPath(this.options.dataDir)).shared,
      };
      return judgeOnThreads(ids, setup, judged, here, threads);
    }
    await eachAtOnce(ids, loadConcurrency, async (id) => judged(id, await here(id)));
  }

  /**
   * Takes summaries judged elsewhere (a sync's checks of what it brought),
   * each with the stamp of the files it was judged from: a refresh judges one
   * again only if its files changed since. Saved as any change is; the saved
   * index says it is complete when every ceremony of the store has a summary.
   */
  take(lines: readonly IndexedCeremony[]): Promise<void> {
    // In turn with refreshes: one that read a ceremony before these lines were judged must not end after them.
    const taken = this.lastRefresh.then(async () => {
      await this.readCache();
      for (const line of lines) this.setJudged(line.id, { files: line.files, folderTime: line.folderTime, stamp: line.stamp, record: line.record });
      if (!this.coversStore) {
        const ids = await this.service.store.listCeremonies();
        this.coversStore = ids.every((id) => this.entries.has(id));
      }
      this.version++;
      this.save();
    });
    this.lastRefresh = taken.catch(() => undefined);
    return taken;
  }

  /** Reloads one ceremony (after this app changed it, or `loaded` as it changed it); returns its new summary record. */
  async update(id: string, loaded?: LoadedCeremony): Promise<SummaryRecord | undefined> {
    await this.readCache();
    if (!loaded) {
      this.judgements++;
      const indexed = await judgeForIndex(this.service, id);
      if (!indexed) return undefined;
      this.setJudged(id, { files: indexed.files, folderTime: indexed.folderTime, stamp: indexed.stamp, record: indexed.record });
    } else {
      const stamped = await eventFilesStamp(this.service.store, id);
      // Stamped after it was loaded: a file that came in between (another program's approval) would be in the stamp and
      // not in the summary, and no later refresh would look again. Judged afresh then, stamp first.
      if (!sameList(stamped.files, filesOf(loaded))) return this.update(id);
      this.setJudged(id, { ...stamped, record: summarize(loaded) });
    }
    this.version++;
    this.save();
    return this.entries.get(id)!.record;
  }

  records(): SummaryRecord[] {
    return [...this.entries.values()].map((entry) => entry.record);
  }

  /** The event files of the ceremonies in the index, as it last saw their folders (named as the store names them). */
  eventFileCount(): number {
    let count = 0;
    for (const entry of this.entries.values()) for (const name of entry.files) if (isEventFileName(name)) count++;
    return count;
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
    this.unsaved = true;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.writeCache();
    }, 1000);
    this.saveTimer.unref?.();
  }

  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  private writeCache(): void {
    this.unsaved = false;
    // In list order, so that the next start has its first page in the first lines (index-cache.ts).
    const entries = [...this.entries].sort(([, a], [, b]) => newestFirst(a.record, b.record));
    const root = this.service.store.root;
    const partial = !this.coversStore;
    // While summaries another version decided remain, the cache still says whose they are: the next start judges them.
    const judgedBy = this.judgedElsewhere.size > 0 ? this.cacheJudgedBy : this.judge;
    this.saving = this.saving.then(() =>
      writeFileAtomically(this.cachePath, summaryCacheLines(root, entries, partial, judgedBy)).then(
        () => {
          this.notSaved = undefined;
        },
        (error: unknown) => {
          this.notSaved = cacheNotSavedMessage(this.cachePath, error);
        },
      ),
    );
  }

  /** Why the summaries judged here cannot be saved, in a sentence for the person; undefined when nothing stands in the way. */
  notSavedBecause(): string | undefined {
    return this.notSaved;
  }

  /**
   * Writes what is not saved yet now, settling when the last write has finished
   * (tests, shutdown). In the middle of a refresh that is every ceremony judged
   * so far: quitting during a first index of a large store keeps them, and the
   * next start judges only the rest.
   */
  flushed(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.unsaved) this.writeCache();
    return this.saving;
  }
}

/** The order of every list: newest opening first, then by id (descending), as the window's own ordering. */
export function newestFirst(a: SummaryRecord, b: SummaryRecord): number {
  if (a.summary.openedAt !== b.summary.openedAt) return a.summary.openedAt < b.summary.openedAt ? 1 : -1;
  return a.summary.id < b.summary.id ? 1 : a.summary.id > b.summary.id ? -1 : 0;
}

/** Whether two judgements of a ceremony summarise it alike: the version digests its files and summary; who it waits on is apart. */
function sameRecord(a: SummaryRecord, b: SummaryRecord): boolean {
  return a.version === b.version && sameList(a.pendingKeyIds, b.pendingKeyIds);
}

/** The file names a loaded ceremony was read from, as the store lists them. */
function filesOf(loaded: LoadedCeremony): string[] {
  return [...loaded.events.map((event) => event.source), ...(loaded.unreadable ?? []).map((file) => file.source)].sort();
}

function stampOf(entry: Entry): EventFilesStamp | undefined {
  return entry.stamp !== undefined && entry.folderTime !== undefined ? { files: entry.files, folderTime: entry.folderTime, stamp: entry.stamp } : undefined;
}

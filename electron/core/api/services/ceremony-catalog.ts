/**
 * The ceremonies of the store as the window sees them: the summary index
 * (ceremony-index.ts), kept current, with "waiting on me" from the keys
 * attached here, and every change pushed as ceremony.changed.
 *
 * Lists answer from the index at once; the store is re-scanned in the
 * background (at most every few seconds) for ceremonies other programs
 * changed (the CLI, a sync). Scanning 10,000 ceremony folders on every
 * keystroke in History would not be.
 *
 * Pages (ceremonies.page, history.page) answer from the index as it stands,
 * even while it is first built: the newest ceremonies are judged first, and
 * ceremonies.indexed tells the window when there are more (issue 15).
 */
import type { CeremonySummary } from '../../../../shared/api/ceremony-schemas';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { CeremonyIndex, type IndexProgress } from '../../ceremony/ceremony-index';
import { summaryCachePath } from '../../ceremony/index-cache';
import { pageOf, type CeremonyPage, type PageQuery } from '../../ceremony/ceremony-pages';
import type { LoadedCeremony } from '../../ceremony/ceremony-service';
import { detailOf, type SummaryRecord } from '../../ceremony/ceremony-views';
import { CeremonyStore } from '../../ceremony/event-store';
import { localCeremonyService } from '../../ceremony/local-service';
import type { IndexedCeremony } from '../../ceremony/index-judging';
import type { EventSink } from '../handlers';
import type { LocalKeys } from './local-keys';
import { BuildProgressTeller } from './build-progress';

/** The background re-scan runs at most this often. */
const rescanEveryMs = 3000;
/** A later refresh judging at least this many ceremonies tells its progress (ceremonies.indexed). */
const progressFrom = 25;
/** Over a saved index, its start-up work waits at most this long for the window's first page. */
const startupWorkWaitsMs = 2000;

interface CeremonyCatalogOptions {
  dataDir: string;
  storeDir: string;
  localKeys: LocalKeys;
  emit: EventSink;
  now: () => Date;
  /** How long a start over a saved index waits for the window's first page (startupWorkWaitsMs unless a test says). */
  waitsForWindowMs?: number;
}

export class CeremonyCatalog {
  /** Reads and judges ceremonies; signs nothing. */
  readonly reader: ReturnType<typeof localCeremonyService>;
  readonly index: CeremonyIndex;
  private readonly store: CeremonyStore;
  private readonly indexed: Promise<unknown>;
  private built = false;
  private lastRefresh: number;
  private refreshing = false;
  /** A page answered before the index was complete: the window waits for ceremonies.indexed to ask again. */
  private answeredPartly = false;
  /** Lets the index's start-up work begin (see the constructor); the first call wins, later ones do nothing. */
  private readonly startIndexing: () => void;
  private readonly startupWorkTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: CeremonyCatalogOptions) {
    this.store = new CeremonyStore(options.storeDir);
    this.reader = localCeremonyService({ dataDir: options.dataDir, storeDir: options.storeDir, now: options.now });
    this.index = new CeremonyIndex(this.reader, summaryCachePath(options.dataDir), options.now, { dataDir: options.dataDir, threads: {} });
    // Over a whole saved index, the rest of its summaries and the check of the store against them wait for the
    // window's first page (or a moment): the first screen is served while the core is idle. At 10,000 ceremonies that
    // work kept the core busy for about a second while the window loaded, and the list showed 0.6 s later. Over no
    // saved index, or one saved halfway through a build, the pages need the build: it starts at once.
    let startIndexing!: () => void;
    const mayStart = new Promise<void>((resolve) => (startIndexing = resolve));
    this.startIndexing = startIndexing;
    this.startupWorkTimer = setTimeout(startIndexing, options.waitsForWindowMs ?? startupWorkWaitsMs).unref();
    const startupWork = this.index
      .cached()
      .catch(() => undefined)
      .then(() => (this.answersFromCache() ? mayStart : undefined));
    this.indexed = startupWork
      .then(() => {
        if (this.closed) return [];
        const told = new BuildProgressTeller();
        return this.index.refresh({ onProgress: (progress) => this.progressed(progress, told), thorough: true });
      })
      // Over a saved index, pages answered from it at once: what changed since is told as any change is. Over one saved
      // halfway through a build, the rest came as a first build's rows do: the window asks again when it is complete.
      .then((changedIds) => (this.answersFromCache() ? this.announce(changedIds) : undefined))
      .finally(() => {
        this.built = true;
        this.options.emit('ceremonies.indexed', { ...this.indexProgress(), complete: true });
      });
    this.lastRefresh = options.now().getTime();
    // Pages answer from the newest saved summaries while the rest are parsed: once they are all in, a window told so asks again.
    void startupWork.then(() => (this.closed ? undefined : this.index.cached(true))).then(() => {
      if (!this.built && this.answeredPartly && this.answersFromCache() && this.index.progress() === undefined) this.options.emit('ceremonies.indexed', { ...this.indexProgress(), complete: true });
    });
  }

  /**
   * One page of a list, from the index as it stands: while ceremonies are
   * judged, of those judged so far (newest first), `complete: false`. A start
   * over a saved index answers from it at once, complete, while the store is
   * checked against it; what changed since comes as ceremony.changed.
   */
  async page(query: PageQuery): Promise<CeremonyPage> {
    if (this.built) await this.current();
    else await this.index.cached();
    await this.options.localKeys.scanned();
    const building = this.index.progress();
    const indexed = { ...this.indexProgress(), complete: building === undefined && (this.built || (this.answersFromCache() && this.index.records().length > 0)) };
    if (!indexed.complete) this.answeredPartly = true;
    // The window has its first page: the index's start-up work may begin, once this answer is on its way.
    setImmediate(this.startIndexing);
    const page = pageOf(this.index.recordsNewestFirst(), query, { waitingOnMe: (record) => this.waitsOnMe(record), row: (record, waitingOnMe) => ({ ...record.summary, waitingOnMe, version: record.version }) }, indexed);
    const notSaved = this.index.notSavedBecause();
    return { ...page, waitingOnMeKnown: this.options.localKeys.known, ...(notSaved !== undefined ? { indexNotSaved: notSaved } : {}) };
  }

  /** A start over a saved index answers from it as complete; over none, or one saved halfway through a build, only once built. */
  private answersFromCache(): boolean {
    return this.index.fromCache > 0 && !this.index.cacheWasPartial;
  }

  /**
   * The store's event files, as the index last saw them: with no remote set every one is still to be shared, and the
   * repository's status counts them from here rather than listing every events folder again (2 s of CPU at 10,000
   * ceremonies, beside a first build). Over saved summaries it answers once they are all in; over none, once built.
   * Files of a ceremony the index cannot read are not in it, nor counted.
   */
  async eventFileCount(): Promise<number> {
    await this.index.cached(true);
    if (!this.answersFromCache()) await this.indexBuilt();
    return this.index.eventFileCount();
  }

  /** Settles once the first refresh has ended; starts the index's start-up work now if it was waiting for the window. */
  private indexBuilt(): Promise<unknown> {
    this.startIndexing();
    return this.indexed;
  }

  private indexProgress(): IndexProgress {
    return this.index.progress() ?? { done: this.index.records().length, total: this.index.records().length };
  }

  private progressed(progress: IndexProgress, told: BuildProgressTeller): void {
    if (told.tells(progress)) this.options.emit('ceremonies.indexed', { ...progress, complete: false });
  }

  /** The index, built; re-scanned in the background when the last scan is a few seconds old (or `force`: trust changed). */
  async current(force = false): Promise<void> {
    await this.indexBuilt();
    const now = this.options.now().getTime();
    if (this.refreshing || (!force && now - this.lastRefresh < rescanEveryMs)) return;
    this.refreshing = true;
    this.lastRefresh = now;
    void this.refreshIndex()
      .then((changedIds) => this.announce(changedIds))
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  /**
   * Re-reads the store now (after a sync brought files, or the store watcher
   * saw `changedIds` change) and pushes ceremony.changed for each ceremony
   * that changed. The watcher's ceremonies are stamped file by file: a file
   * rewritten in place leaves its folder's time as it was.
   */
  async refreshNow(changedIds?: readonly string[]): Promise<void> {
    await this.indexBuilt();
    this.lastRefresh = this.options.now().getTime();
    this.announce(await this.refreshIndex(changedIds));
  }

  /**
   * A later refresh: a sync that brought many ceremonies shows its progress as
   * the first build does; a few changed ones are told by ceremony.changed alone.
   */
  private async refreshIndex(restamp?: readonly string[]): Promise<string[]> {
    let large = false;
    const told = new BuildProgressTeller();
    try {
      return await this.index.refresh({
        ...(restamp ? { restamp } : {}),
        onProgress: (progress) => {
          if (progress.total < progressFrom) return;
          large = true;
          this.progressed(progress, told);
        },
      });
    } finally {
      if (large) this.options.emit('ceremonies.indexed', { ...this.indexProgress(), complete: true });
    }
  }

  /**
   * Verdicts a sync reached on the ceremonies it brought (its check of its arrivals reads and judges them as the index
   * does): taken as judged, and each ceremony whose summary they change is told. A later refresh judges one again only
   * if its files changed since (their stamps say so).
   */
  async takeJudged(lines: readonly IndexedCeremony[]): Promise<void> {
    const before = new Map(lines.map((line) => [line.id, this.index.record(line.id)?.version]));
    await this.index.take(lines);
    this.announce(lines.filter((line) => this.index.record(line.id)?.version !== before.get(line.id)).map((line) => line.id));
  }

  /** The attached keys changed: every ceremony still waiting on someone may now wait on this machine, or no longer. */
  async localKeysChanged(): Promise<void> {
    // Waits for the start-up work without starting it: the first key scan of a start (tokens attached) comes before
    // the window's first page, which works out "waiting on me" itself.
    await this.indexed;
    for (const record of this.index.records()) if (record.pendingKeyIds.length > 0) this.options.emit('ceremony.changed', this.summaryOf(record));
  }

  /** The window's summary, with the ceremony's version (ceremony.changed carries it). */
  summaryOf(record: SummaryRecord): CeremonySummary & { version: string } {
    return { ...record.summary, waitingOnMe: this.waitsOnMe(record), version: record.version };
  }

  private waitsOnMe(record: SummaryRecord): boolean {
    return record.pendingKeyIds.some((keyId) => this.options.localKeys.has(keyId));
  }

  /** One ceremony, loaded and judged now, with its summary brought up to date. */
  async detail(id: string): Promise<CeremonyDetail> {
    const loaded = await this.reader.load(id);
    const record = (await this.index.update(id, loaded))!;
    return { ...(await detailOf(loaded, record, this.store, this.summaryOf(record).waitingOnMe, await this.previousRelease(loaded))), version: record.version };
  }

  /** After any change: refresh the summary, tell every window, and answer with the detail. */
  async changed(loaded: LoadedCeremony): Promise<CeremonyDetail> {
    const record = (await this.index.update(loaded.view.id, loaded))!;
    const summary = this.summaryOf(record);
    this.options.emit('ceremony.changed', summary);
    return { ...(await detailOf(loaded, record, this.store, summary.waitingOnMe, await this.previousRelease(loaded))), version: record.version };
  }

  flushed(): Promise<void> {
    return this.index.flushed();
  }

  /** The core is ending: start-up work that has not begun never will (and nothing waits for it). */
  close(): void {
    this.closed = true;
    clearTimeout(this.startupWorkTimer);
    this.startIndexing();
  }

  private announce(changedIds: readonly string[]): void {
    for (const id of changedIds) {
      const record = this.index.record(id);
      if (record) this.options.emit('ceremony.changed', this.summaryOf(record));
    }
  }

  /**
   * The release before this one of the same name (published first, then the newest), for "what changed since":
   * only a ceremony whose statement was frozen, so that a release is never compared with evidence nobody could
   * approve (a ceremony still open, or cancelled before it was frozen; issue 16).
   */
  private async previousRelease(loaded: LoadedCeremony): Promise<LoadedCeremony | undefined> {
    await this.indexBuilt();
    const candidates = this.index
      .records()
      .map((record) => record.summary)
      .filter((summary) => summary.release.name === loaded.view.release.name && summary.release.version !== loaded.view.release.version && summary.openedAt < loaded.view.openedAt && summary.state !== 'open')
      .sort((a, b) => Number(b.state === 'published') - Number(a.state === 'published') || b.openedAt.localeCompare(a.openedAt));
    for (const candidate of candidates) {
      try {
        const previous = await this.reader.load(candidate.id);
        if (previous.view.frozen) return previous;
      } catch {
        // Try the next one.
      }
    }
    return undefined;
  }
}

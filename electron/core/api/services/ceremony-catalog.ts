/**
 * The ceremonies of the store as the window sees them: the summary index
 * (ceremony-index.ts), kept current, with "waiting on me" from the keys
 * attached here, and every change pushed as ceremony.changed.
 *
 * Lists answer from the index at once; the store is re-scanned in the
 * background (at most every few seconds) for ceremonies other programs
 * changed (the CLI, a sync). Scanning 10,000 ceremony folders on every
 * keystroke in History would not be.
 */
import { join } from 'node:path';
import type { CeremonyDetail, CeremonySummary } from '../../../../shared/api/ceremony-schemas';
import { CeremonyIndex } from '../../ceremony/ceremony-index';
import type { LoadedCeremony } from '../../ceremony/ceremony-service';
import { detailOf, type SummaryRecord } from '../../ceremony/ceremony-views';
import { CeremonyStore } from '../../ceremony/event-store';
import { localCeremonyService } from '../../ceremony/local-service';
import type { EventSink } from '../handlers';
import type { LocalKeys } from './local-keys';

/** The background re-scan runs at most this often. */
const rescanEveryMs = 3000;

export class CeremonyCatalog {
  /** Reads and judges ceremonies; signs nothing. */
  readonly reader: ReturnType<typeof localCeremonyService>;
  readonly index: CeremonyIndex;
  private readonly store: CeremonyStore;
  private readonly indexed: Promise<unknown>;
  private lastRefresh: number;
  private refreshing = false;

  constructor(private readonly options: { dataDir: string; storeDir: string; localKeys: LocalKeys; emit: EventSink; now: () => Date }) {
    this.store = new CeremonyStore(options.storeDir);
    this.reader = localCeremonyService({ dataDir: options.dataDir, storeDir: options.storeDir, now: options.now });
    this.index = new CeremonyIndex(this.reader, join(options.dataDir, 'cache', 'ceremony-summaries.json'), options.now);
    this.indexed = this.index.refresh();
    this.lastRefresh = options.now().getTime();
  }

  /** The index, built; re-scanned in the background when the last scan is a few seconds old (or `force`: trust changed). */
  async current(force = false): Promise<void> {
    await this.indexed;
    const now = this.options.now().getTime();
    if (this.refreshing || (!force && now - this.lastRefresh < rescanEveryMs)) return;
    this.refreshing = true;
    this.lastRefresh = now;
    void this.index
      .refresh()
      .then((changedIds) => this.announce(changedIds))
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }

  /** Re-reads the store now (after a sync brought files) and pushes ceremony.changed for each ceremony that changed. */
  async refreshNow(): Promise<void> {
    await this.indexed;
    this.lastRefresh = this.options.now().getTime();
    this.announce(await this.index.refresh());
  }

  /** The attached keys changed: every ceremony still waiting on someone may now wait on this machine, or no longer. */
  async localKeysChanged(): Promise<void> {
    await this.indexed;
    for (const record of this.index.records()) if (record.pendingKeyIds.length > 0) this.options.emit('ceremony.changed', this.summaryOf(record));
  }

  summaryOf(record: SummaryRecord): CeremonySummary {
    return { ...record.summary, waitingOnMe: record.pendingKeyIds.some((keyId) => this.options.localKeys.has(keyId)) };
  }

  /** One ceremony, loaded and judged now, with its summary brought up to date. */
  async detail(id: string): Promise<CeremonyDetail> {
    const loaded = await this.reader.load(id);
    const record = (await this.index.update(id, loaded))!;
    return detailOf(loaded, record, this.store, this.summaryOf(record).waitingOnMe, await this.previousRelease(loaded));
  }

  /** After any change: refresh the summary, tell every window, and answer with the detail. */
  async changed(loaded: LoadedCeremony): Promise<CeremonyDetail> {
    const record = (await this.index.update(loaded.view.id, loaded))!;
    const summary = this.summaryOf(record);
    this.options.emit('ceremony.changed', summary);
    return detailOf(loaded, record, this.store, summary.waitingOnMe, await this.previousRelease(loaded));
  }

  flushed(): Promise<void> {
    return this.index.flushed();
  }

  private announce(changedIds: readonly string[]): void {
    for (const id of changedIds) {
      const record = this.index.record(id);
      if (record) this.options.emit('ceremony.changed', this.summaryOf(record));
    }
  }

  /** The release before this one of the same name (published first, then the newest), for "what changed since". */
  private async previousRelease(loaded: LoadedCeremony): Promise<LoadedCeremony | undefined> {
    await this.indexed;
    const candidates = this.index
      .records()
      .map((record) => record.summary)
      .filter((summary) => summary.release.name === loaded.view.release.name && summary.release.version !== loaded.view.release.version && summary.openedAt < loaded.view.openedAt)
      .sort((a, b) => Number(b.state === 'published') - Number(a.state === 'published') || b.openedAt.localeCompare(a.openedAt));
    for (const candidate of candidates) {
      try {
        return await this.reader.load(candidate.id);
      } catch {
        // Try the next one.
      }
    }
    return undefined;
  }
}

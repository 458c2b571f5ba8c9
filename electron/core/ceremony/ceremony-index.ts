/**
 * Summaries of every ceremony in the store, for the Ceremonies and History
 * screens. Loading a ceremony reads its files and checks every signature, so
 * summaries are cached (in the data folder, not the shared store) by the list
 * of event file names: a ceremony is loaded again only when a file came or
 * went, or when the clock may have expired it.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CeremonySummarySchema } from '../../../shared/api/ceremony-schemas';
import { writeFileAtomically } from '../atomic-file';
import type { CeremonyService, LoadedCeremony } from './ceremony-service';
import { summarize, type SummaryRecord } from './ceremony-views';

const CacheSchema = z.object({
  version: z.literal(1),
  storeRoot: z.string(),
  ceremonies: z.record(
    z.string(),
    z.object({ files: z.array(z.string()), summary: CeremonySummarySchema.omit({ waitingOnMe: true }), pendingKeyIds: z.array(z.string()) }),
  ),
});

interface Entry {
  files: string[];
  record: SummaryRecord;
}

/** How many ceremonies load at once while the index is built: enough to overlap file reads, few enough for two cores. */
const loadConcurrency = 8;

export class CeremonyIndex {
  private readonly entries = new Map<string, Entry>();
  /** Goes up whenever a summary changes, so callers can keep derived lists (sorted, filtered) until it does. */
  version = 0;
  private cacheLoaded = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly service: CeremonyService,
    private readonly cachePath: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async readCache(): Promise<void> {
    if (this.cacheLoaded) return;
    this.cacheLoaded = true;
    try {
      const cache = CacheSchema.parse(JSON.parse(await readFile(this.cachePath, 'utf8')));
      if (cache.storeRoot !== this.service.store.root) return;
      for (const [id, entry] of Object.entries(cache.ceremonies)) this.entries.set(id, { files: entry.files, record: { summary: entry.summary, pendingKeyIds: entry.pendingKeyIds } });
      this.version++;
    } catch {
      // No cache, or one from another version: it is only a cache, build it again.
    }
  }

  /** Brings every summary up to date with the store; returns the ids whose summary changed. */
  async refresh(): Promise<string[]> {
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
    const stale: { id: string; files: string[] }[] = [];
    // Trusting a policy (or no longer trusting one) changes what counts in every ceremony under it.
    const trusted = await this.service.trustedPolicies();
    const trustChanged = (record: SummaryRecord) => trusted !== undefined && record.summary.policyTrusted !== trusted.has(record.summary.policy.digest);
    for (const id of ids) {
      const files = await this.service.store.eventFileNames(id);
      const cached = this.entries.get(id);
      if (!cached || !sameList(cached.files, files) || this.mayHaveExpired(cached.record) || trustChanged(cached.record)) stale.push({ id, files });
    }
    for (let start = 0; start < stale.length; start += loadConcurrency) {
      await Promise.all(
        stale.slice(start, start + loadConcurrency).map(async ({ id, files }) => {
          const loaded = await this.tryLoad(id);
          if (!loaded) return;
          this.entries.set(id, { files, record: summarize(loaded) });
          changed.push(id);
        }),
      );
    }
    if (changed.length > 0) {
      this.version++;
      this.save();
    }
    return changed;
  }

  /** Reloads one ceremony (after this app changed it); returns its new summary record. */
  async update(id: string, loaded?: LoadedCeremony): Promise<SummaryRecord | undefined> {
    await this.readCache();
    const ceremony = loaded ?? (await this.tryLoad(id));
    if (!ceremony) return undefined;
    const record = summarize(ceremony);
    this.entries.set(id, { files: await this.service.store.eventFileNames(id), record });
    this.version++;
    this.save();
    return record;
  }

  records(): SummaryRecord[] {
    return [...this.entries.values()].map((entry) => entry.record);
  }

  private newestFirst: { version: number; records: SummaryRecord[] } | undefined;

  /** Every record, newest opening first; sorted once per change, not once per search. */
  recordsNewestFirst(): SummaryRecord[] {
    if (this.newestFirst?.version !== this.version) {
      this.newestFirst = { version: this.version, records: this.records().sort((a, b) => b.summary.openedAt.localeCompare(a.summary.openedAt)) };
    }
    return this.newestFirst.records;
  }

  record(id: string): SummaryRecord | undefined {
    return this.entries.get(id)?.record;
  }

  private mayHaveExpired(record: SummaryRecord): boolean {
    return (record.summary.state === 'open' || record.summary.state === 'frozen') && Date.parse(record.summary.expiresAt) < this.now().getTime();
  }

  private async tryLoad(id: string): Promise<LoadedCeremony | undefined> {
    try {
      return await this.service.load(id);
    } catch {
      // Not loadable yet (its opening has not arrived, mid-sync): listed once it is.
      return undefined;
    }
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
      ceremonies: Object.fromEntries([...this.entries].map(([id, entry]) => [id, { files: entry.files, summary: entry.record.summary, pendingKeyIds: entry.record.pendingKeyIds }])),
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

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

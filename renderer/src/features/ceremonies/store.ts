/**
 * The Ceremonies screen's state: the page of the chosen tab the core last
 * answered (rows, every tab's count, where the next page starts, how far the
 * index is), kept current by `ceremony.changed` and `ceremonies.indexed`, and
 * what this window is doing right now (loading, and the last load's error).
 *
 * The window never works out a ceremony's state, tally, "waiting on me" or a
 * tab's count itself: each is exactly what the core last sent. It asks only
 * for the rows it shows (ceremonies.page), never for every summary.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CallOutput, EventPayload } from '../../../../shared/api/contract';
import { maxPageRows } from '../../../../shared/api/pages';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi, thrownToError } from '../../components/api-call';
import { IndexAskPacer } from '../../lib/indexing';
import { latestRequests } from '../../lib/latest';
import { cardsPerStep, type CeremonyFilter } from './filters';

export type CeremonyPage = CallOutput<'ceremonies.page'>;
export type VersionedSummary = CeremonyPage['items'][number];
export type TabCounts = CeremonyPage['counts'];

export interface CeremoniesData {
  /** The chosen tab's rows held so far, newest first; undefined until the first page arrives. */
  summaries: readonly VersionedSummary[] | undefined;
  /** Ceremonies in the chosen tab (held or not). */
  total: number;
  /** Every tab's count, as the core counted them. */
  counts: TabCounts | undefined;
  /** Where "Show more" continues; undefined when every row of the tab is held. */
  nextCursor: string | undefined;
  /** False while the core is still indexing the store: rows and counts are those judged so far. */
  complete: boolean;
  /** False until the core has looked at the tokens attached here: "waiting on me" is not known yet (tokens.changed follows). */
  waitingOnMeKnown: boolean;
  indexed: { done: number; total: number } | undefined;
  /** Why the core cannot save the ceremonies it judged, and what to do: every start is slow until it can. */
  indexNotSaved: string | undefined;
  filter: CeremonyFilter;
  /** Progress text while the first page loads. */
  loading: string | undefined;
  loadError: ErrorData | undefined;
  /** Progress text while "Show more" fetches the next page. */
  loadingMore: string | undefined;
  moreError: ErrorData | undefined;
}

export interface CeremoniesActions {
  /** Listens to `ceremony.changed`, `ceremonies.indexed` and `tokens.changed` and loads the first page; returns the function that stops listening. */
  start(): () => void;
  /** Asks for the chosen tab's first page now (a tab change, a retry). */
  load(): Promise<void>;
  /** Asks for the first page again once the load under way (if any) has answered: many events, one request at a time. */
  refresh(): void;
  /** Fetches the tab's next page and adds it below the rows held. */
  showMore(): Promise<void>;
  /** A ceremony changed: nothing to fetch when the version held is the same; otherwise its row is updated and the page asked again. */
  applyChanged(summary: EventPayload<'ceremony.changed'>): void;
  /** The index moved: while the page is incomplete, says how far, and asks it again (paced: lib/indexing). */
  applyIndexed(progress: EventPayload<'ceremonies.indexed'>): void;
  setFilter(filter: CeremonyFilter): void;
}

export type CeremoniesState = CeremoniesData & CeremoniesActions;

export const loadingText = 'Loading ceremonies…';
export const loadingMoreText = 'Loading more ceremonies…';

export function initialCeremoniesData(): CeremoniesData {
  return {
    summaries: undefined,
    total: 0,
    counts: undefined,
    nextCursor: undefined,
    complete: true,
    waitingOnMeKnown: true,
    indexed: undefined,
    indexNotSaved: undefined,
    filter: 'all',
    loading: undefined,
    loadError: undefined,
    loadingMore: undefined,
    moreError: undefined,
  };
}

/** `now`: a monotonic clock in milliseconds, which paces the asks while the index is built (tests pass their own). */
export function createCeremoniesStore(now: () => number = () => performance.now()): StoreApi<CeremoniesState> {
  const latest = latestRequests<'page' | 'more'>();
  const pacer = new IndexAskPacer(now);
  // The version of each ceremony this window holds (from rows and from ceremony.changed): an equal one needs no fetch.
  const versions = new Map<string, string>();
  let inFlight = false;
  let askAgain = false;

  return createStore<CeremoniesState>()((set, get) => {
    const remember = (rows: readonly VersionedSummary[]) => {
      for (const row of rows) versions.set(row.id, row.version);
    };
    const pageFields = (page: CeremonyPage) => ({ total: page.total, counts: page.counts, nextCursor: page.nextCursor, complete: page.complete, indexed: page.indexed, waitingOnMeKnown: page.waitingOnMeKnown, indexNotSaved: page.indexNotSaved });

    return {
      ...initialCeremoniesData(),

      start() {
        const stops: (() => void)[] = [];
        try {
          const api = getApi();
          stops.push(api.on('ceremony.changed', (summary) => get().applyChanged(summary)));
          stops.push(api.on('ceremonies.indexed', (progress) => get().applyIndexed(progress)));
          // Which tokens are attached decides "waiting on me" and its count: ask the core again when they change.
          stops.push(api.on('tokens.changed', () => get().refresh()));
        } catch (error) {
          for (const stop of stops) stop();
          set({ loadError: thrownToError(error) });
          return () => undefined;
        }
        void get().load();
        return () => {
          for (const stop of stops) stop();
        };
      },

      async load() {
        const isLatest = latest.begin('page');
        // A reload replaces the rows a "Show more" on its way would extend.
        latest.drop('more');
        inFlight = true;
        askAgain = false;
        const { filter, summaries } = get();
        // Say so only the first time; a reload of a page already on screen happens quietly.
        set({ loading: summaries ? undefined : loadingText, loadError: undefined, loadingMore: undefined, moreError: undefined });
        // A reload keeps as many rows as are shown (up to one page's most), so the list does not shrink under the reader.
        const limit = Math.min(maxPageRows, Math.max(cardsPerStep, summaries?.length ?? 0));
        const result = await callApi('ceremonies.page', { tab: filter, limit });
        if (!isLatest()) return;
        inFlight = false;
        if (!result.ok) set({ loading: undefined, loadError: result.error });
        else {
          remember(result.value.items);
          set({ summaries: result.value.items, ...pageFields(result.value), loading: undefined, loadError: undefined });
        }
        if (askAgain) void get().load();
      },

      refresh() {
        if (inFlight) askAgain = true;
        else void get().load();
      },

      async showMore() {
        const { nextCursor, filter, loadingMore } = get();
        if (!nextCursor || loadingMore) return;
        const isLatest = latest.begin('more');
        set({ loadingMore: loadingMoreText, moreError: undefined });
        const result = await callApi('ceremonies.page', { tab: filter, cursor: nextCursor, limit: cardsPerStep });
        if (!isLatest()) return;
        if (!result.ok) {
          set({ loadingMore: undefined, moreError: result.error });
          return;
        }
        remember(result.value.items);
        set((s) => {
          const held = new Set((s.summaries ?? []).map((row) => row.id));
          return {
            summaries: [...(s.summaries ?? []), ...result.value.items.filter((row) => !held.has(row.id))],
            ...pageFields(result.value),
            loadingMore: undefined,
          };
        });
      },

      applyChanged(summary) {
        const sameVersion = versions.get(summary.id) === summary.version;
        versions.set(summary.id, summary.version);
        const rows = get().summaries;
        const index = rows?.findIndex((row) => row.id === summary.id) ?? -1;
        if (rows && index >= 0) {
          // Its place does not move under the reader; "waiting on me" is the event's own.
          const next = rows.slice();
          next[index] = summary;
          set({ summaries: next });
        }
        // The same version: the core judged nothing new (a key attached or removed moved only "waiting on me").
        if (sameVersion) return;
        // A new or changed ceremony can move the counts and the rows of the tab: ask the page again.
        get().refresh();
      },

      applyIndexed(progress) {
        if (get().complete && get().summaries !== undefined) return;
        set({ indexed: { done: progress.done, total: progress.total } });
        if (pacer.asksAgain(progress)) get().refresh();
      },

      setFilter(filter) {
        if (filter === get().filter) return;
        set({ filter, summaries: undefined, nextCursor: undefined, total: 0 });
        void get().load();
      },
    };
  });
}

/** The one Ceremonies store of this window. */
export const ceremoniesStore = createCeremoniesStore();

export function useCeremonies<T>(selector: (state: CeremoniesState) => T): T {
  return useStore(ceremoniesStore, selector);
}

/** For tests: puts the window's store back to its first state (actions are kept). */
export function resetCeremoniesStore(): void {
  ceremoniesStore.setState(initialCeremoniesData());
}

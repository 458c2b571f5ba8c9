/**
 * The History screen's state: the search as typed, and the results of the
 * last search the core answered (history.page), fetched a page at a time, in
 * order, as the person scrolls. A newer search makes older answers stale
 * (lib/latest), so an answer for an older search or page never lands on a newer one.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CallInput, CallOutput, EventPayload } from '../../../../shared/api/contract';
import type { CeremonyState } from '../../../../shared/ceremony/view';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { saveTextFile } from '../../lib/download';
import { callApi, thrownToError } from '../../components/api-call';
import { IndexAskPacer } from '../../lib/indexing';
import { latestRequests } from '../../lib/latest';
import {
  emptyQuery,
  maxPerCall,
  narrowsBeyondDates,
  pageInput,
  queryProblem,
  reportFileName,
  sameQuery,
  searchFilter,
  type HistoryQuery,
  type ReportFormat,
} from './query';

export const searchDelayMs = 250;

export type HistoryPage = CallOutput<'history.page'>;
export type VersionedSummary = HistoryPage['items'][number];

export interface ReportState {
  busy: string | undefined;
  error: ErrorData | undefined;
  /** "Saved conclave-history-all.html." after a report was handed to the download. */
  saved: string | undefined;
}

export interface HistoryData {
  /** The search as the form shows it. */
  query: HistoryQuery;
  /** Why the form's search cannot be run (dates the wrong way round…). */
  queryProblem: string | undefined;
  /**
   * The search the results below answer; undefined before the first answer. Its generation changes with the
   * search (not when the same search is asked again while the index grows), so the list keeps its place.
   * `complete` is false while the core is still indexing: `indexed` says how far.
   */
  results: { query: HistoryQuery; total: number; generation: number; complete: boolean } | undefined;
  /** How far the core's index build is, from its newest answer or tell (it moves more often than the results are asked again). */
  indexed: { done: number; total: number } | undefined;
  /** The rows that have arrived, from the first on, newest first. */
  rows: readonly VersionedSummary[];
  /** Where the next page starts; undefined when every row has arrived. */
  nextCursor: string | undefined;
  /** Progress text while a search is on its way. */
  searching: string | undefined;
  searchError: ErrorData | undefined;
  /** A page that could not be fetched while scrolling. */
  pageError: ErrorData | undefined;
  /** Why the core cannot save the ceremonies it judged, as its newest page said (each start judges them all again). */
  indexNotSaved: string | undefined;
  report: ReportState;
}

export interface HistoryActions {
  /** Listens to `ceremony.changed` and runs the first search; returns the function that stops listening. */
  start(): () => void;
  /** Updates the text; the search runs once typing pauses. */
  setText(text: string): void;
  toggleState(state: CeremonyState, on: boolean): void;
  setFrom(day: string): void;
  setTo(day: string): void;
  clearFilters(): void;
  /** Runs the form's search now. */
  search(): Promise<void>;
  /** Asks the search on screen again once the one under way (if any) has answered (the index grew), without saying "Searching". */
  refresh(): void;
  /** Makes sure rows first…last (inclusive) are fetched or on their way (pages come in order, one at a time). */
  ensureRows(first: number, last: number): void;
  /** Fetches again the pages that failed. */
  retryPages(): void;
  /** Puts a changed ceremony's summary in its row, when it is held (nothing is fetched). */
  applyChanged(summary: EventPayload<'ceremony.changed'>): void;
  /** The index moved: while the results are incomplete, says how far, and asks the search again (paced: lib/indexing). */
  applyIndexed(progress: EventPayload<'ceremonies.indexed'>): void;
  exportReport(format: ReportFormat): Promise<void>;
  dismissReportError(): void;
}

export type HistoryState = HistoryData & HistoryActions;

export function initialHistoryData(): HistoryData {
  return {
    query: emptyQuery,
    queryProblem: undefined,
    results: undefined,
    indexed: undefined,
    rows: [],
    nextCursor: undefined,
    searching: undefined,
    searchError: undefined,
    pageError: undefined,
    indexNotSaved: undefined,
    report: { busy: undefined, error: undefined, saved: undefined },
  };
}

/** The row at an index of the results, when its page has arrived. */
export function rowAt(rows: HistoryData['rows'], index: number): VersionedSummary | undefined {
  return rows[index];
}

export interface HistoryDeps {
  /** Hands a file to the browser's download. */
  save(fileName: string, content: string, mediaType: string): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** A monotonic clock in milliseconds: paces the asks while the index is built. */
  now(): number;
}

const defaultDeps: HistoryDeps = {
  save: saveTextFile,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

export const historyText = {
  searching: 'Searching the history…',
  report: (format: ReportFormat) => `Preparing the ${format === 'html' ? 'HTML' : 'JSON'} report…`,
  saved: (fileName: string) => `Saved ${fileName} to your downloads.`,
  tooMany: (total: number) =>
    `This search matches ${total.toLocaleString('en')} ceremonies, more than one report can hold (${maxPerCall.toLocaleString('en')}). Narrow the search or the dates, then export again.`,
  noResults: 'Nothing matches this search, so there is nothing to report. Change the search, then export again.',
} as const;

export function createHistoryStore(deps: HistoryDeps = defaultDeps): StoreApi<HistoryState> {
  let timer: unknown;
  const latest = latestRequests<'search' | 'page' | 'report'>();
  // The last row the list has asked for; pages are fetched in order until it has arrived.
  let wantedUpTo = -1;
  let fetchingPage = false;
  let pageFailed = false;
  let searching = false;
  let askAgain = false;
  let generations = 0;
  const pacer = new IndexAskPacer(() => deps.now());

  return createStore<HistoryState>()((set, get) => {
    const cancelTimer = () => {
      if (timer !== undefined) deps.clearTimeout(timer);
      timer = undefined;
    };
    /** Applies a form change: searches at once, or after a pause for typing. */
    const change = (query: HistoryQuery, delayed: boolean) => {
      const problem = queryProblem(query);
      set({ query, queryProblem: problem });
      cancelTimer();
      if (problem) return;
      if (delayed) timer = deps.setTimeout(() => void get().search(), searchDelayMs);
      else void get().search();
    };

    /** Fetches the next page while the list wants rows that have not arrived; one page at a time, since each starts where the last ended. */
    const fetchNext = async () => {
      const { results, nextCursor, rows } = get();
      if (!results || !nextCursor || fetchingPage || pageFailed || rows.length > wantedUpTo) return;
      const isLatest = latest.begin('page');
      fetchingPage = true;
      const result = await callApi('history.page', pageInput(results.query, nextCursor));
      if (!isLatest()) return;
      fetchingPage = false;
      if (!result.ok) {
        pageFailed = true;
        set({ pageError: result.error });
        return;
      }
      set((s) => {
        const held = new Set(s.rows.map((row) => row.id));
        return {
          rows: [...s.rows, ...result.value.items.filter((row) => !held.has(row.id))],
          nextCursor: result.value.nextCursor,
          // The history can grow while someone scrolls: the newest answer has the newest total.
          results: s.results ? { ...s.results, total: result.value.total, complete: result.value.complete } : s.results,
          indexed: result.value.indexed,
          indexNotSaved: result.value.indexNotSaved,
          pageError: undefined,
        };
      });
      void fetchNext();
    };

    return {
      ...initialHistoryData(),

      start() {
        const stops: (() => void)[] = [];
        try {
          const api = getApi();
          stops.push(api.on('ceremony.changed', (summary) => get().applyChanged(summary)));
          stops.push(api.on('ceremonies.indexed', (progress) => get().applyIndexed(progress)));
        } catch (error) {
          for (const stop of stops) stop();
          set({ searchError: thrownToError(error) });
          return () => undefined;
        }
        if (!get().results) void get().search();
        return () => {
          cancelTimer();
          for (const stop of stops) stop();
        };
      },

      setText(text) {
        change({ ...get().query, text }, true);
      },

      toggleState(state, on) {
        const states = get().query.states.filter((known) => known !== state);
        change({ ...get().query, states: on ? [...states, state] : states }, false);
      },

      setFrom(day) {
        change({ ...get().query, from: day }, false);
      },

      setTo(day) {
        change({ ...get().query, to: day }, false);
      },

      clearFilters() {
        change(emptyQuery, false);
      },

      async search() {
        cancelTimer();
        const query = get().query;
        const problem = queryProblem(query);
        if (problem) {
          set({ queryProblem: problem });
          return;
        }
        const isLatest = latest.begin('search');
        searching = true;
        askAgain = false;
        // The old results stay on screen (and keep paging) until the new ones arrive, so the list does not flash empty.
        // The search on screen asked again (the index grew) says nothing: the bar already says how far the build is,
        // and a status that came and went every second would be read out by screen readers and redrawn on the cores
        // that build. A new search says "Searching".
        const shown = get().results;
        const askedAgain = shown !== undefined && sameQuery(shown.query, query);
        set({ searching: askedAgain ? undefined : historyText.searching, searchError: undefined });
        const result = await callApi('history.page', pageInput(query));
        if (!isLatest()) return;
        searching = false;
        if (!result.ok) {
          set({ searching: undefined, searchError: result.error });
        } else {
          // The same search asked again keeps its place in the list; a new one starts at the top.
          if (!askedAgain) wantedUpTo = -1;
          latest.drop('page');
          fetchingPage = false;
          pageFailed = false;
          set({
            pageError: undefined,
            results: { query, total: result.value.total, generation: askedAgain ? shown.generation : ++generations, complete: result.value.complete },
            indexed: result.value.indexed,
            rows: result.value.items,
            nextCursor: result.value.nextCursor,
            indexNotSaved: result.value.indexNotSaved,
            searching: undefined,
            report: askedAgain ? get().report : { ...get().report, saved: undefined },
          });
          void fetchNext();
        }
        if (askAgain) get().refresh();
      },

      refresh() {
        if (searching) askAgain = true;
        else if (get().results) {
          // Asks the search on screen, not a half-typed one still waiting for its pause.
          const typed = get().query;
          const shown = get().results!.query;
          if (sameQuery(typed, shown)) void get().search();
        }
      },

      ensureRows(first, last) {
        if (last < first) return;
        wantedUpTo = Math.max(wantedUpTo, last);
        void fetchNext();
      },

      retryPages() {
        pageFailed = false;
        set({ pageError: undefined });
        void fetchNext();
      },

      applyChanged(summary) {
        const { rows } = get();
        const index = rows.findIndex((row) => row.id === summary.id);
        // A ceremony not on screen (a new one, or in a page not fetched) shows with the next search.
        if (index < 0) return;
        const held = rows[index]!;
        if (held.version === summary.version && held.waitingOnMe === summary.waitingOnMe) return;
        const next = rows.slice();
        next[index] = summary;
        set({ rows: next });
      },

      applyIndexed(progress) {
        if (get().results?.complete !== false) return;
        set({ indexed: { done: progress.done, total: progress.total } });
        if (pacer.asksAgain(progress)) get().refresh();
      },

      async exportReport(format) {
        if (get().report.busy) return;
        const isLatest = latest.begin('report');
        const results = get().results;
        const query = results?.query ?? get().query;
        set({ report: { busy: historyText.report(format), error: undefined, saved: undefined } });
        const fail = (error: ErrorData) => {
          if (isLatest()) set({ report: { busy: undefined, error, saved: undefined } });
        };

        let input: CallInput<'history.report'>;
        if (narrowsBeyondDates(query)) {
          // history.report filters by dates only: name the ceremonies this search found, gathered a page at a time.
          const total = results?.total ?? 0;
          if (total === 0) return fail({ code: 'invalid-input', message: historyText.noResults });
          if (total > maxPerCall) return fail({ code: 'invalid-input', message: historyText.tooMany(total) });
          const ids: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await callApi('history.page', pageInput(query, cursor));
            if (!page.ok) return fail(page.error);
            if (page.value.total > maxPerCall) return fail({ code: 'invalid-input', message: historyText.tooMany(page.value.total) });
            for (const item of page.value.items) ids.push(item.id);
            cursor = page.value.nextCursor;
          } while (cursor && ids.length < maxPerCall);
          input = { ids, format };
        } else {
          const { from, to } = searchFilter(query);
          input = { format, ...(from ? { from } : {}), ...(to ? { to } : {}) };
        }

        const report = await callApi('history.report', input);
        if (!report.ok) return fail(report.error);
        const fileName = reportFileName(report.value.fileName, format, query);
        try {
          deps.save(fileName, report.value.content, report.value.mediaType || (format === 'html' ? 'text/html' : 'application/json'));
        } catch (error) {
          return fail(thrownToError(error));
        }
        if (isLatest()) set({ report: { busy: undefined, error: undefined, saved: historyText.saved(fileName) } });
      },

      dismissReportError() {
        set((s) => ({ report: { ...s.report, error: undefined } }));
      },
    };
  });
}

/** The one History store of this window. */
export const historyStore = createHistoryStore();

export function useHistory<T>(selector: (state: HistoryState) => T): T {
  return useStore(historyStore, selector);
}

/** For tests: puts the window's store back to its first state (actions are kept). */
export function resetHistoryStore(): void {
  historyStore.setState(initialHistoryData());
}

/**
 * The History screen's state: the search as typed, and the results of the
 * last search the core answered, fetched a page at a time as the person
 * scrolls. Every request carries the search's generation, so an answer for an
 * older search (or an older page request) can never land on a newer one.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CallInput, CeremonySummary } from '../../../../shared/api/contract';
import type { CeremonyState } from '../../../../shared/ceremony/view';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { saveTextFile } from '../../lib/download';
import { callApi, thrownToError } from '../../components/api-call';
import {
  emptyQuery,
  maxPerCall,
  narrowsBeyondDates,
  pageSize,
  pagesForRange,
  queryProblem,
  reportFileName,
  searchFilter,
  searchInput,
  type HistoryQuery,
  type ReportFormat,
} from './query';

export const searchDelayMs = 250;

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
  /** The search the results below answer (and its generation); undefined before the first answer. */
  results: { query: HistoryQuery; total: number; generation: number } | undefined;
  /** Rows by page number, for pages that have arrived. */
  pages: Readonly<Record<number, readonly CeremonySummary[]>>;
  /** Progress text while a search is on its way. */
  searching: string | undefined;
  searchError: ErrorData | undefined;
  /** A page that could not be fetched while scrolling. */
  pageError: ErrorData | undefined;
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
  /** Makes sure rows first…last (inclusive) are fetched or on their way. */
  ensureRows(first: number, last: number): void;
  /** Fetches again the pages that failed. */
  retryPages(): void;
  applyChanged(summary: CeremonySummary): void;
  exportReport(format: ReportFormat): Promise<void>;
  dismissReportError(): void;
}

export type HistoryState = HistoryData & HistoryActions;

export function initialHistoryData(): HistoryData {
  return {
    query: emptyQuery,
    queryProblem: undefined,
    results: undefined,
    pages: {},
    searching: undefined,
    searchError: undefined,
    pageError: undefined,
    report: { busy: undefined, error: undefined, saved: undefined },
  };
}

/** The row at an index of the results, when its page has arrived. */
export function rowAt(pages: HistoryData['pages'], index: number): CeremonySummary | undefined {
  return pages[Math.floor(index / pageSize)]?.[index % pageSize];
}

export interface HistoryDeps {
  /** Hands a file to the browser's download. */
  save(fileName: string, content: string, mediaType: string): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultDeps: HistoryDeps = {
  save: saveTextFile,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
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
  // Pages asked for in the current generation (arrived or on their way).
  let requested = new Set<number>();
  let failed = new Set<number>();
  let reportSeq = 0;
  // Bumped by every search, so only the newest search's answer is shown; the answer's number becomes its results' generation.
  let searchSeq = 0;

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

    /** Fetches one page of the results on screen; the answer is dropped when other results have replaced them meanwhile. */
    const fetchPage = async (page: number) => {
      const { results } = get();
      if (!results) return;
      const generation = results.generation;
      requested.add(page);
      failed.delete(page);
      const result = await callApi('history.search', searchInput(results.query, page * pageSize, pageSize));
      if (get().results?.generation !== generation) return;
      if (!result.ok) {
        requested.delete(page);
        failed.add(page);
        set({ pageError: result.error });
        return;
      }
      set((s) => ({
        pages: { ...s.pages, [page]: result.value.items },
        // The history can grow while someone scrolls: the newest answer has the newest total.
        results: s.results ? { ...s.results, total: result.value.total } : s.results,
        pageError: failed.size === 0 ? undefined : s.pageError,
      }));
    };

    return {
      ...initialHistoryData(),

      start() {
        let stop: () => void = () => undefined;
        try {
          stop = getApi().on('ceremony.changed', (summary) => get().applyChanged(summary));
        } catch (error) {
          set({ searchError: thrownToError(error) });
          return stop;
        }
        if (!get().results) void get().search();
        return () => {
          cancelTimer();
          stop();
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
        const generation = ++searchSeq;
        // The old results stay on screen (and keep paging) until the new ones arrive, so the list does not flash empty.
        set({ searching: historyText.searching, searchError: undefined });
        const result = await callApi('history.search', searchInput(query, 0, pageSize));
        if (generation !== searchSeq) return;
        if (!result.ok) {
          set({ searching: undefined, searchError: result.error });
          return;
        }
        requested = new Set([0]);
        failed = new Set();
        set({
          pageError: undefined,
          results: { query, total: result.value.total, generation },
          pages: { 0: result.value.items },
          searching: undefined,
          report: { ...get().report, saved: undefined },
        });
      },

      ensureRows(first, last) {
        const { results } = get();
        if (!results) return;
        for (const page of pagesForRange(first, last, results.total)) {
          if (!requested.has(page) && !failed.has(page)) void fetchPage(page);
        }
      },

      retryPages() {
        const pages = [...failed];
        set({ pageError: undefined });
        for (const page of pages) void fetchPage(page);
      },

      applyChanged(summary) {
        const { pages } = get();
        for (const [key, rows] of Object.entries(pages)) {
          const index = rows.findIndex((row) => row.id === summary.id);
          if (index < 0) continue;
          const next = rows.slice();
          next[index] = summary;
          set({ pages: { ...pages, [key]: next } });
          return;
        }
        // A ceremony not on screen (a new one, or in a page not fetched) shows with the next search.
      },

      async exportReport(format) {
        if (get().report.busy) return;
        const seq = ++reportSeq;
        const results = get().results;
        const query = results?.query ?? get().query;
        set({ report: { busy: historyText.report(format), error: undefined, saved: undefined } });
        const fail = (error: ErrorData) => {
          if (seq === reportSeq) set({ report: { busy: undefined, error, saved: undefined } });
        };

        let input: CallInput<'history.report'>;
        if (narrowsBeyondDates(query)) {
          // history.report filters by dates only: name the ceremonies this search found.
          const total = results?.total ?? 0;
          if (total === 0) return fail({ code: 'invalid-input', message: historyText.noResults });
          if (total > maxPerCall) return fail({ code: 'invalid-input', message: historyText.tooMany(total) });
          const all = await callApi('history.search', searchInput(query, 0, Math.min(maxPerCall, total)));
          if (!all.ok) return fail(all.error);
          if (all.value.total > maxPerCall) return fail({ code: 'invalid-input', message: historyText.tooMany(all.value.total) });
          input = { ids: all.value.items.map((item) => item.id), format };
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
        if (seq === reportSeq) set({ report: { busy: undefined, error: undefined, saved: historyText.saved(fileName) } });
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

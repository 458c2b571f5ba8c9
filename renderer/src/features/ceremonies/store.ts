/**
 * The Ceremonies screen's state: the core's summaries of every ceremony
 * (kept current by `ceremony.changed`), the tab being shown, and what this
 * window is doing right now (loading, and the last load's error).
 *
 * The window never works out a ceremony's state, tally or "waiting on me"
 * itself: each summary is exactly what the core last sent.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CeremonySummary } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi, thrownToError } from '../../components/api-call';
import { byOpenedDescending, upsertSummary, type CeremonyFilter } from './filters';

export interface CeremoniesData {
  /** Every ceremony, newest first; undefined until the first list arrives. */
  summaries: readonly CeremonySummary[] | undefined;
  filter: CeremonyFilter;
  /** Progress text while the first list loads. */
  loading: string | undefined;
  loadError: ErrorData | undefined;
}

export interface CeremoniesActions {
  /** Listens to `ceremony.changed` (and `tokens.changed`, which can change "waiting on me") and loads the list; returns the function that stops listening. */
  start(): () => void;
  load(): Promise<void>;
  /** Puts one summary from the core in place: replaced where it was, inserted when new. */
  applyChanged(summary: CeremonySummary): void;
  setFilter(filter: CeremonyFilter): void;
}

export type CeremoniesState = CeremoniesData & CeremoniesActions;

export const loadingText = 'Loading ceremonies…';

export function initialCeremoniesData(): CeremoniesData {
  return { summaries: undefined, filter: 'all', loading: undefined, loadError: undefined };
}

export function createCeremoniesStore(): StoreApi<CeremoniesState> {
  let loadSeq = 0;
  // Summaries pushed while a list is on its way: they are newer than that list.
  let changedDuringLoad: Map<string, CeremonySummary> | undefined;

  return createStore<CeremoniesState>()((set, get) => ({
    ...initialCeremoniesData(),

    start() {
      const stops: (() => void)[] = [];
      try {
        const api = getApi();
        stops.push(api.on('ceremony.changed', (summary) => get().applyChanged(summary)));
        // Which tokens are attached decides "waiting on me": ask the core again when they change.
        stops.push(api.on('tokens.changed', () => void get().load()));
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
      const seq = ++loadSeq;
      changedDuringLoad = new Map();
      // Say so only the first time; a reload of a list already on screen happens quietly.
      set((s) => ({ loading: s.summaries ? undefined : loadingText, loadError: undefined }));
      const result = await callApi('ceremonies.list', {});
      if (seq !== loadSeq) return;
      const newer = changedDuringLoad;
      changedDuringLoad = undefined;
      if (!result.ok) {
        set({ loading: undefined, loadError: result.error });
        return;
      }
      let summaries = result.value.slice().sort(byOpenedDescending);
      for (const summary of newer.values()) summaries = upsertSummary(summaries, summary);
      set({ summaries, loading: undefined, loadError: undefined });
    },

    applyChanged(summary) {
      changedDuringLoad?.set(summary.id, summary);
      // Before the first list there is nothing to update; the list on its way will carry it.
      set((s) => (s.summaries ? { summaries: upsertSummary(s.summaries, summary) } : {}));
    },

    setFilter(filter) {
      set({ filter });
    },
  }));
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

/**
 * The in-app file browser, for shells without a native file dialog (the
 * browser shell answers files.pick with null): lists a folder through
 * files.list and keeps what the person ticked. One browser per window; it
 * remembers the last folder so the next "Browse…" starts there.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CallOutput } from '../../../shared/api/contract';
import type { ErrorData } from '../../../shared/errors';
import { callApi } from './api-call';
import { joinPath } from './files';
import { latestRequests } from '../lib/latest';

export type FolderListing = CallOutput<'files.list'>;

export interface FileBrowserData {
  listing: FolderListing | undefined;
  loading: boolean;
  error: ErrorData | undefined;
  /** Full paths of the files ticked in this folder. */
  selected: readonly string[];
}

export interface FileBrowserState extends FileBrowserData {
  /** Lists a folder (the last one shown, or the core's default when there is none). */
  list(dir?: string): Promise<void>;
  /** Ticks or unticks a file; with multiple false, a tick replaces the previous one. */
  toggle(name: string, multiple: boolean): void;
  clearSelection(): void;
}

export function createFileBrowserStore(): StoreApi<FileBrowserState> {
  const latest = latestRequests<'listing'>();
  return createStore<FileBrowserState>()((set, get) => ({
    listing: undefined,
    loading: false,
    error: undefined,
    selected: [],

    async list(dir) {
      const isLatest = latest.begin('listing');
      const target = dir ?? get().listing?.dir;
      set({ loading: true, error: undefined });
      const result = await callApi('files.list', target ? { dir: target } : {});
      if (!isLatest()) return;
      if (!result.ok) {
        set({ loading: false, error: result.error });
        return;
      }
      set({ loading: false, listing: result.value, selected: [] });
    },

    toggle(name, multiple) {
      const listing = get().listing;
      if (!listing) return;
      const path = joinPath(listing.dir, name);
      const selected = get().selected;
      if (selected.includes(path)) set({ selected: selected.filter((p) => p !== path) });
      else set({ selected: multiple ? [...selected, path] : [path] });
    },

    clearSelection() {
      set({ selected: [], error: undefined });
    },
  }));
}

export const fileBrowserStore = createFileBrowserStore();

export function useFileBrowser<T>(selector: (state: FileBrowserState) => T): T {
  return useStore(fileBrowserStore, selector);
}

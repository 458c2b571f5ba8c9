/**
 * Importing a ceremony bundle (issue 5, air-gapped signing) in the window:
 * the "Import a bundle…" dialog and a bundle dropped anywhere on the window.
 * The path is chosen (files.pick, or the in-app browser where the shell has
 * no dialog), typed, or told by the desktop app for a dropped file; the core
 * reads and checks the file and answers with a report, shown as it is.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { BundleImportReport } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi, inputError } from '../../components/api-call';
import { fileNameOf, isAbsolutePath, pathOfDroppedFile } from '../../components/files';
import { dropNeedsDesktopText, looksLikeBundle } from './bundle-words';

export interface BundleImportData {
  open: boolean;
  /** The path in the dialog's field. */
  path: string;
  browsing: boolean;
  working: boolean;
  /** The path the report is about. */
  importedFrom: string | undefined;
  report: BundleImportReport | undefined;
  error: ErrorData | undefined;
  /** A hint that is not an error (dropping needs the desktop app). */
  note: string | undefined;
}

export interface BundleImportActions {
  openDialog(): void;
  close(): void;
  setPath(path: string): void;
  browse(): Promise<void>;
  chooseFromBrowser(paths: readonly string[]): Promise<void>;
  closeBrowser(): void;
  /** Imports the path given, or the one in the field; resolves true when the core answered with a report. */
  importBundle(path?: string): Promise<boolean>;
  /** Files dropped on the window: the one bundle among them is imported where its path is known. */
  drop(files: readonly unknown[]): Promise<void>;
}

export type BundleImportState = BundleImportData & BundleImportActions;

export function initialBundleImportData(): BundleImportData {
  return { open: false, path: '', browsing: false, working: false, importedFrom: undefined, report: undefined, error: undefined, note: undefined };
}

export function createBundleImportStore(): StoreApi<BundleImportState> {
  return createStore<BundleImportState>()((set, get) => ({
    ...initialBundleImportData(),

    openDialog() {
      if (get().open) return;
      set({ ...initialBundleImportData(), open: true });
    },

    close() {
      // An import under way finishes in the core; its outcome reaches the list through ceremony.changed.
      set(initialBundleImportData());
    },

    setPath(path) {
      set({ path, error: undefined });
    },

    async browse() {
      set({ error: undefined, note: undefined });
      const result = await callApi('files.pick', { purpose: 'bundle', multiple: false });
      if (!result.ok) return set({ error: result.error });
      if (result.value === null) return set({ browsing: true });
      const [path] = result.value.paths;
      if (path) await get().importBundle(path);
    },

    async chooseFromBrowser(paths) {
      set({ browsing: false });
      const [path] = paths;
      if (path) await get().importBundle(path);
    },

    closeBrowser() {
      set({ browsing: false });
    },

    async importBundle(given) {
      if (get().working) return false;
      const path = (given ?? get().path).trim();
      if (!path) {
        set({ error: inputError('Choose the bundle file, or type its full path.') });
        return false;
      }
      if (!isAbsolutePath(path)) {
        set({ error: inputError(`“${path}” is not a full path. Type it from the root (for example /media/usb/app-1.2.3.c-….conclave-bundle.json).`) });
        return false;
      }
      set({ open: true, path, working: true, error: undefined, note: undefined, report: undefined, importedFrom: undefined });
      const result = await callApi('ceremonies.import', { path });
      // Closed meanwhile: the window no longer waits for this answer.
      if (!get().open) return result.ok;
      if (!result.ok) {
        set({ working: false, error: result.error });
        return false;
      }
      set({ working: false, report: result.value, importedFrom: path });
      return true;
    },

    async drop(files) {
      if (get().working) return;
      if (!get().open) set({ ...initialBundleImportData(), open: true });
      if (files.length === 0) return;
      if (files.length > 1) {
        set({ error: inputError('Drop one bundle at a time.'), note: undefined });
        return;
      }
      let shellPath: ((file: unknown) => string | undefined) | undefined;
      try {
        shellPath = getApi().pathOfDroppedFile;
      } catch {
        shellPath = undefined;
      }
      const path = shellPath?.(files[0]) ?? pathOfDroppedFile(files[0]);
      if (!path) {
        set({ note: dropNeedsDesktopText, error: undefined });
        return;
      }
      if (!looksLikeBundle(path)) {
        set({ path, error: inputError(`${fileNameOf(path)} is not a ceremony bundle (a …conclave-bundle.json file). To add artifacts, drop them on the Artifacts field of Open a ceremony.`), note: undefined });
        return;
      }
      await get().importBundle(path);
    },
  }));
}

/** The one import of this window. */
export const bundleImportStore = createBundleImportStore();

export function useBundleImport<T>(selector: (state: BundleImportState) => T): T {
  return useStore(bundleImportStore, selector);
}

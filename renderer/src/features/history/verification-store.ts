/**
 * Verify history (issue 5): one run of the audit `conclave audit verify`
 * makes, from the History screen. The run can take minutes on a large store;
 * its result stays here (the screen can be left and come back to), and the
 * verification it reports goes to the repository store at once, so the line
 * above the button says what this machine has now verified.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ErrorData } from '../../../../shared/errors';
import { callApi } from '../../components/api-call';
import { repositoryStore, type RepositoryState } from '../settings/repository-store';
import { verificationText, type HistoryAudit } from './verification';

export interface VerificationData {
  /** Progress text while the audit runs (announced); undefined otherwise. */
  busy: string | undefined;
  /** The last audit's answer, until the next one starts. */
  result: HistoryAudit | undefined;
  /** Why the last audit could not run (not what it found: that is in result). */
  error: ErrorData | undefined;
}

export interface VerificationActions {
  /** Runs the audit; a press while one runs does nothing. */
  verify(): Promise<void>;
  dismissError(): void;
}

export type VerificationState = VerificationData & VerificationActions;

export function initialVerificationData(): VerificationData {
  return { busy: undefined, result: undefined, error: undefined };
}

export function createVerificationStore(repository: StoreApi<Pick<RepositoryState, 'applyVerification'>> = repositoryStore): StoreApi<VerificationState> {
  return createStore<VerificationState>()((set, get) => ({
    ...initialVerificationData(),

    async verify() {
      if (get().busy) return;
      set({ busy: verificationText.busy, result: undefined, error: undefined });
      const result = await callApi('repository.audit', {});
      if (!result.ok) {
        set({ busy: undefined, error: result.error });
        return;
      }
      set({ busy: undefined, result: result.value });
      repository.getState().applyVerification(result.value.verification);
    },

    dismissError() {
      set({ error: undefined });
    },
  }));
}

/** The one verification store of this window. */
export const verificationStore = createVerificationStore();

export function useVerification<T>(selector: (state: VerificationState) => T): T {
  return useStore(verificationStore, selector);
}

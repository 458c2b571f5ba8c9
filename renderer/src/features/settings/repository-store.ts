/**
 * The shared repository as the window shows it (issue 5): a projection of
 * the status main owns and pushes as repository.changed, plus what this
 * window is doing (saving a remote, syncing now). The words live here so the
 * header, Settings and History say the same thing.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { RepositoryStatus } from '../../../../shared/api/contract';
import type { Result } from '../../../../shared/api/result';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi, firstIssue } from '../../components/api-call';
import { contractSchemas } from '../../api/schemas';

const events = (count: number) => `${count} event${count === 1 ? '' : 's'}`;

/** The header's few words: "Synced", "2 to push", "Offline: <reason>". */
export function shortStatusWords(status: RepositoryStatus | undefined): string {
  if (!status) return 'Checking the repository…';
  if (status.syncing) return 'Syncing…';
  switch (status.state) {
    case 'no-remote':
      return 'Not shared';
    case 'up-to-date':
      return 'Synced';
    case 'ahead':
      return `${status.ahead} to push`;
    case 'behind':
      return `${status.behind} to fetch`;
    case 'diverged':
      return `${status.ahead} to push, ${status.behind} to fetch`;
    case 'offline':
      return `Offline: ${status.reason ?? 'the remote cannot be reached.'}`;
    case 'error':
      return `Sync error: ${status.reason ?? 'git failed.'}`;
    case 'rewritten':
      return `Refused: ${status.reason ?? 'the remote history was rewritten.'}`;
  }
}

/** A sentence for Settings. */
export function statusSentence(status: RepositoryStatus | undefined): string {
  if (!status) return 'Checking where this store stands…';
  const syncing = status.syncing ? ' Syncing now…' : '';
  switch (status.state) {
    case 'no-remote':
      return `This store is not shared: add the team's git repository to share ceremonies with other machines.${syncing}`;
    case 'up-to-date':
      return `Up to date with ${status.url}.${syncing}`;
    case 'ahead':
      return `${events(status.ahead)} here not sent to ${status.url} yet.${syncing}`;
    case 'behind':
      return `${events(status.behind)} on ${status.url} not here yet.${syncing}`;
    case 'diverged':
      return `${events(status.ahead)} to send and ${events(status.behind)} to receive.${syncing}`;
    case 'offline':
      return `Offline: ${status.reason ?? 'the remote cannot be reached.'} Work goes on here; ${events(status.ahead)} go up at the next sync.${syncing}`;
    case 'error':
      return `Not synced: ${status.reason ?? 'git failed.'} Everything is kept here.${syncing}`;
    case 'rewritten':
      return `Refused: ${status.reason ?? 'the remote history was rewritten.'} Nothing was pushed or merged.${syncing}`;
  }
}

/** For History: what is pending sync, or nothing to say. */
export function pendingWords(status: RepositoryStatus | undefined): string | undefined {
  if (!status || status.ahead === 0) return undefined;
  return `${events(status.ahead)} not yet shared${status.state === 'no-remote' ? ' (no remote set)' : ''}.`;
}

export interface RepositoryData {
  status: RepositoryStatus | undefined;
  busy: 'saving' | 'removing' | 'syncing' | undefined;
  error: ErrorData | undefined;
}

export interface RepositoryActions {
  /** Loads the status and follows repository.changed; returns the function that stops following. */
  start(): () => void;
  load(): Promise<void>;
  setRemote(url: string): Promise<boolean>;
  removeRemote(): Promise<boolean>;
  syncNow(): Promise<void>;
  /** Stops the sync under way (an automatic one too): its git is stopped, and everything stays committed here. */
  stopSync(): Promise<void>;
  /**
   * What an audit just found (repository.audit answers with it): shown at
   * once, without waiting for repository.changed or asking the remote again.
   */
  applyVerification(verification: NonNullable<RepositoryStatus['verification']>): void;
}

export type RepositoryState = RepositoryData & RepositoryActions;

export function createRepositoryStore(): StoreApi<RepositoryState> {
  return createStore<RepositoryState>()((set, get) => {
    const act = async (busy: RepositoryData['busy'], work: () => Promise<Result<unknown>>): Promise<boolean> => {
      if (get().busy) return false;
      set({ busy, error: undefined });
      const result = await work();
      if (!result.ok) {
        set({ busy: undefined, error: result.error });
        return false;
      }
      set({ busy: undefined });
      return true;
    };
    return {
      status: undefined,
      busy: undefined,
      error: undefined,
      start() {
        let stop = () => {};
        try {
          stop = getApi().on('repository.changed', (status) => set({ status }));
        } catch {
          // No API (a test without one): nothing to follow.
        }
        void get().load();
        return stop;
      },
      async load() {
        const result = await callApi('repository.status', {});
        if (result.ok) set({ status: result.value });
        else set({ error: result.error });
      },
      async setRemote(url) {
        const { calls } = await contractSchemas();
        const checked = calls['repository.setRemote'].input.safeParse({ url });
        if (!checked.success) {
          set({ error: firstIssue(checked.error) });
          return false;
        }
        return act('saving', async () => {
          const result = await callApi('repository.setRemote', checked.data);
          if (result.ok) set({ status: result.value });
          return result;
        });
      },
      async removeRemote() {
        return act('removing', async () => {
          const result = await callApi('repository.removeRemote', {});
          if (result.ok) set({ status: result.value });
          return result;
        });
      },
      async syncNow() {
        await act('syncing', () => callApi('repository.sync', {}));
      },
      async stopSync() {
        const result = await callApi('repository.stopSync', {});
        if (!result.ok) set({ error: result.error });
      },
      applyVerification(verification) {
        const { status } = get();
        // No status yet (the first load failed or is on its way): ask for the whole of it.
        if (status) set({ status: { ...status, verification } });
        else void get().load();
      },
    };
  });
}

export const repositoryStore = createRepositoryStore();

export function useRepository<T>(selector: (state: RepositoryState) => T): T {
  return useStore(repositoryStore, selector);
}

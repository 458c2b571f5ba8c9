import { useEffect } from 'react';
import type { RepositoryStatus } from '../../../../shared/api/contract';
import type { Tone } from '../ceremonies/states';
import { repositoryStore, shortStatusWords, useRepository } from './repository-store';

/** Quiet when all is shared, visible when something waits or fails: the same tone classes as every badge. */
const syncTone: Record<RepositoryStatus['state'], Tone> = {
  'no-remote': 'neutral',
  'up-to-date': 'ok',
  ahead: 'info',
  behind: 'info',
  diverged: 'info',
  offline: 'warning',
  error: 'danger',
  rewritten: 'danger',
};

/** The header's sync status: a live region, so a change ("Offline: …") is announced. */
export function SyncIndicator() {
  const status = useRepository((s) => s.status);
  useEffect(() => repositoryStore.getState().start(), []);
  return (
    <p role="status" className={`sync-indicator badge badge-${status ? syncTone[status.state] : 'neutral'}`} data-state={status?.state}>
      {shortStatusWords(status)}
    </p>
  );
}

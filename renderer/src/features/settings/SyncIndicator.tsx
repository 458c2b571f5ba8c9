import { useEffect } from 'react';
import { repositoryStore, shortStatusWords, useRepository } from './repository-store';

/** The header's sync status: a live region, so a change ("Offline: …") is announced. */
export function SyncIndicator() {
  const status = useRepository((s) => s.status);
  useEffect(() => repositoryStore.getState().start(), []);
  return (
    <p role="status" className="sync-indicator" data-state={status?.state}>
      {shortStatusWords(status)}
    </p>
  );
}

import { pendingWords, useRepository } from '../settings/repository-store';

/** What is pending sync (issue 5): events made here that the shared repository does not have yet. */
export function PendingSync() {
  const words = useRepository((s) => pendingWords(s.status));
  return words ? <p className="history-pending">{words}</p> : null;
}

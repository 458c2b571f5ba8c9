import { useEffect, useId, useState } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { statusSentence, useRepository } from './repository-store';

/** The shared repository: the team's git remote, where this store stands, and "Sync now". */
export function RepositorySection() {
  const headingId = useId();
  const fieldId = useId();
  const status = useRepository((s) => s.status);
  const busy = useRepository((s) => s.busy);
  const error = useRepository((s) => s.error);
  const setRemote = useRepository((s) => s.setRemote);
  const removeRemote = useRepository((s) => s.removeRemote);
  const syncNow = useRepository((s) => s.syncNow);
  const stopSync = useRepository((s) => s.stopSync);
  const load = useRepository((s) => s.load);
  const [url, setUrl] = useState('');

  useEffect(() => {
    void load();
  }, [load]);

  const hasRemote = status !== undefined && status.state !== 'no-remote';
  return (
    <section className="settings-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Shared repository</h3>
      <p>{statusSentence(status)}</p>
      {error && <ErrorMessage error={error} />}
      {hasRemote ? (
        <div className="form-actions">
          <button type="button" disabled={busy !== undefined || status.syncing} onClick={() => void syncNow()}>
            {busy === 'syncing' ? 'Syncing…' : 'Sync now'}
          </button>
          {status.syncing && (
            <button type="button" onClick={() => void stopSync()}>
              Stop
            </button>
          )}
          <button type="button" disabled={busy !== undefined} onClick={() => void removeRemote()}>
            {busy === 'removing' ? 'Removing…' : 'Remove remote'}
          </button>
        </div>
      ) : (
        <form
          className="remote-form"
          onSubmit={(event) => {
            event.preventDefault();
            void setRemote(url).then((saved) => saved && setUrl(''));
          }}
        >
          <label htmlFor={fieldId}>Remote URL (SSH, HTTPS or a path, as for git clone)</label>
          <input id={fieldId} type="text" value={url} spellCheck={false} autoComplete="off" onChange={(event) => setUrl(event.target.value)} />
          <button type="submit" disabled={busy !== undefined}>
            {busy === 'saving' ? 'Saving…' : 'Save'}
          </button>
        </form>
      )}
    </section>
  );
}

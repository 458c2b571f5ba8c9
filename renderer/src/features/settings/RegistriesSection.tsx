import { useEffect, useId, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RetryableError } from '../../components/RetryableError';
import { settingsOp, useSettings } from './store';

/** Registries besides this machine that may be reached over plain HTTP, as the CLI's --insecure-registry. */
export function RegistriesSection() {
  const headingId = useId();
  const registries = useSettings((s) => s.insecureRegistries);
  const loading = useSettings((s) => s.busy[settingsOp.registries]);
  const loadError = useSettings((s) => s.errors[settingsOp.registries]);
  const loadRegistries = useSettings((s) => s.loadRegistries);
  const removeRegistry = useSettings((s) => s.removeRegistry);
  const saving = useSettings((s) => s.busy[settingsOp.setRegistries]);

  useEffect(() => {
    void loadRegistries();
  }, [loadRegistries]);

  return (
    <section className="settings-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Registries</h3>
      <p className="hint">
        Plain HTTP sends registry credentials and images unprotected, so anyone on the network can read and change them: allow it only for a registry on a
        network you trust. This computer (localhost, 127.0.0.1) is always allowed.
      </p>
      <BusyStatus texts={loading && !registries ? [loading] : []} />
      <RetryableError error={loadError} onRetry={loadRegistries} />
      {registries && registries.length === 0 && <p className="muted">No other registry may be reached over plain HTTP.</p>}
      {registries && registries.length > 0 && (
        <ul className="settings-modules" aria-label="Registries allowed over plain HTTP">
          {registries.map((host) => (
            <li key={host} className="settings-module">
              <div className="module-header">
                <code>{host}</code>
                <button type="button" className="button-quiet module-remove" aria-label={`Remove ${host}`} aria-disabled={saving ? true : undefined} onClick={() => void removeRegistry(host)}>
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <AddRegistryForm />
    </section>
  );
}

function AddRegistryForm() {
  const [host, setHost] = useState('');
  const hostId = useId();
  const hintId = useId();
  const errorId = useId();
  const addRegistry = useSettings((s) => s.addRegistry);
  const busy = useSettings((s) => s.busy[settingsOp.setRegistries]);
  const error = useSettings((s) => s.errors[settingsOp.setRegistries]);
  const dismissError = useSettings((s) => s.dismissError);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (await addRegistry(host)) setHost('');
  };

  return (
    <form className="form settings-form" onSubmit={(event) => void submit(event)} noValidate aria-label="Allow a registry over plain HTTP">
      <div className="field">
        <label htmlFor={hostId}>Registry host</label>
        <input
          id={hostId}
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="registry.lan:5000"
          value={host}
          onChange={(event) => setHost(event.target.value)}
          readOnly={busy !== undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={[hintId, error ? errorId : ''].filter(Boolean).join(' ')}
        />
        <p id={hintId} className="hint">
          A host or host:port, as in the image reference, without http:// or a path. The same as <code className="command">--insecure-registry HOST</code> on the command line.
        </p>
      </div>
      {error && <ErrorMessage id={errorId} error={error} onDismiss={() => dismissError(settingsOp.setRegistries)} />}
      <BusyStatus texts={busy ? [busy] : []} />
      <div className="actions">
        <button type="submit" aria-disabled={busy ? true : undefined}>
          Add
        </button>
      </div>
    </form>
  );
}

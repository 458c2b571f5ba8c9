import { useId, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { settingsOp } from './store';
import { useSettings } from './store';
import { RetryableError } from '../../components/RetryableError';

/** The policies in the store, in words, and the two ways to add one: import a file, or create the demo policy. */
export function PoliciesSection() {
  const headingId = useId();
  const policies = useSettings((s) => s.policies);
  const lastAdded = useSettings((s) => s.lastAdded);
  const loading = useSettings((s) => s.busy[settingsOp.policies]);
  const loadError = useSettings((s) => s.errors[settingsOp.policies]);
  const loadPolicies = useSettings((s) => s.loadPolicies);

  return (
    <section className="settings-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Policies</h3>
      <p className="hint">A policy says who may approve a release and how many must: each ceremony is opened with one.</p>
      <BusyStatus texts={loading && !policies ? [loading] : []} />
      <RetryableError error={loadError} onRetry={loadPolicies} />
      {policies && policies.length === 0 && <p className="muted">No policies yet. Import one, or create the demo policy to try Conclave.</p>}
      {policies && policies.length > 0 && (
        <ul className="policies" aria-label="Policies">
          {policies.map((policy) => (
            <li key={policy.digest} className="policy">
              <p className="policy-name">
                <strong>{policy.name ?? 'Unnamed policy'}</strong>
                {policy.digest === lastAdded && <span className="badge badge-ok">Just added</span>}
              </p>
              <p>{policy.description}</p>
              <p className="hint">
                <code>{policy.path}</code>
              </p>
            </li>
          ))}
        </ul>
      )}
      <ImportPolicyForm />
      <DemoPolicy />
    </section>
  );
}

function ImportPolicyForm() {
  const [path, setPath] = useState('');
  const pathId = useId();
  const hintId = useId();
  const errorId = useId();
  const importPolicy = useSettings((s) => s.importPolicy);
  const busy = useSettings((s) => s.busy[settingsOp.importPolicy]);
  const error = useSettings((s) => s.errors[settingsOp.importPolicy]);
  const dismissError = useSettings((s) => s.dismissError);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (await importPolicy(path)) setPath('');
  };

  return (
    <form className="form settings-form" onSubmit={(event) => void submit(event)} noValidate aria-label="Import a policy">
      <div className="field">
        <label htmlFor={pathId}>Policy file path</label>
        <input
          id={pathId}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={path}
          onChange={(event) => setPath(event.target.value)}
          readOnly={busy !== undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={[hintId, error ? errorId : ''].filter(Boolean).join(' ')}
        />
        <p id={hintId} className="hint">
          The full path of a policy JSON file on this computer. Conclave checks it can be met before adding it.
        </p>
      </div>
      {error && <ErrorMessage id={errorId} error={error} onDismiss={() => dismissError(settingsOp.importPolicy)} />}
      <BusyStatus texts={busy ? [busy] : []} />
      <div className="actions">
        <button type="submit" aria-disabled={busy ? true : undefined}>
          Import policy
        </button>
      </div>
    </form>
  );
}

function DemoPolicy() {
  const createDemoPolicy = useSettings((s) => s.createDemoPolicy);
  const busy = useSettings((s) => s.busy[settingsOp.createDemoPolicy]);
  const error = useSettings((s) => s.errors[settingsOp.createDemoPolicy]);
  const dismissError = useSettings((s) => s.dismissError);
  return (
    <div className="demo-policy">
      <p className="hint">
        The demo policy needs any 2 of the demo tokens alice, bob and carol. Create the demo tokens on the Tokens screen first. Demo policies
        are for trying Conclave, never for real releases.
      </p>
      <button type="button" onClick={() => void createDemoPolicy()} aria-disabled={busy ? true : undefined}>
        Create the demo policy
      </button>
      <BusyStatus texts={busy ? [busy] : []} />
      {error && <ErrorMessage error={error} onDismiss={() => dismissError(settingsOp.createDemoPolicy)} />}
    </div>
  );
}

import { useId, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PolicyTrustReview, trustMeaningText } from '../../components/PolicyTrustReview';
import { settingsOp } from './store';
import { useSettings } from './store';
import { useTokens } from '../tokens/store';
import { RetryableError } from '../../components/RetryableError';

/**
 * The policies this machine trusts, in words, and the two ways to trust one:
 * a file (read and shown first, trusted only on "Trust this policy"), or the
 * demo policy.
 */
export function PoliciesSection() {
  const headingId = useId();
  const policies = useSettings((s) => s.policies);
  const lastAdded = useSettings((s) => s.lastAdded);
  const loading = useSettings((s) => s.busy[settingsOp.policies]);
  const loadError = useSettings((s) => s.errors[settingsOp.policies]);
  const loadPolicies = useSettings((s) => s.loadPolicies);

  return (
    <section className="settings-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Trusted policies</h3>
      <p className="hint">A policy says who may approve a release and how many must: each ceremony is opened with one. {trustMeaningText}</p>
      <BusyStatus texts={loading && !policies ? [loading] : []} />
      <RetryableError error={loadError} onRetry={loadPolicies} />
      {policies && policies.length === 0 && <p className="muted">This machine trusts no policy yet. Import your team's, or create the demo policy to try Conclave.</p>}
      {policies && policies.length > 0 && (
        <ul className="policies" aria-label="Trusted policies">
          {policies.map((policy) => (
            <li key={policy.digest} className="policy">
              <p className="policy-name">
                <strong>{policy.name ?? 'Unnamed policy'}</strong>
                {policy.digest === lastAdded && <span className="badge badge-ok">Just added</span>}
              </p>
              <p>{policy.description}</p>
              <p className="hint">
                <code className="digest">sha256:{policy.digest}</code>
              </p>
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
  const inspectPolicy = useSettings((s) => s.inspectPolicy);
  const trust = useSettings((s) => s.trustInspectedPolicy);
  const dismissInspection = useSettings((s) => s.dismissInspection);
  const inspection = useSettings((s) => s.inspection);
  const busy = useSettings((s) => s.busy[settingsOp.inspectPolicy]);
  const error = useSettings((s) => s.errors[settingsOp.inspectPolicy]);
  const trustBusy = useSettings((s) => s.busy[settingsOp.importPolicy]);
  const trustError = useSettings((s) => s.errors[settingsOp.importPolicy]);
  const dismissError = useSettings((s) => s.dismissError);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || trustBusy) return;
    await inspectPolicy(path);
  };

  const confirm = async () => {
    if (await trust()) setPath('');
  };

  return (
    <>
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
            The full path of a policy JSON file on this computer. Conclave checks it can be met, then shows its digest, rule and approvers: nothing is trusted until you
            confirm.
          </p>
        </div>
        {error && <ErrorMessage id={errorId} error={error} onDismiss={() => dismissError(settingsOp.inspectPolicy)} />}
        <BusyStatus texts={busy ? [busy] : []} />
        <div className="actions">
          <button type="submit" aria-disabled={busy || trustBusy ? true : undefined}>
            Review policy file
          </button>
        </div>
      </form>
      {inspection && <PolicyTrustReview path={inspection.path} policy={inspection.policy} busy={trustBusy} error={trustError} onTrust={confirm} onDismiss={dismissInspection} level={4} />}
    </>
  );
}

function DemoPolicy() {
  const createDemoPolicy = useSettings((s) => s.createDemoPolicy);
  const busy = useSettings((s) => s.busy[settingsOp.createDemoPolicy]);
  const error = useSettings((s) => s.errors[settingsOp.createDemoPolicy]);
  const dismissError = useSettings((s) => s.dismissError);
  // Known once the Tokens screen's list has loaded (this window's one list of tokens); until then the hint says both steps.
  const demoTokensExist = useTokens((s) => s.snapshot?.demo.created === true);
  return (
    <div className="demo-policy">
      <p className="hint">
        The demo policy needs any 2 of the demo tokens alice, bob and carol; creating it trusts it on this machine.{' '}
        {demoTokensExist ? '' : 'Create the demo tokens on the Tokens screen first, if you have not yet. '}Demo policies are for trying Conclave, never for real releases.
      </p>
      <button type="button" onClick={() => void createDemoPolicy()} aria-disabled={busy ? true : undefined}>
        Create the demo policy
      </button>
      <BusyStatus texts={busy ? [busy] : []} />
      {error && <ErrorMessage error={error} onDismiss={() => dismissError(settingsOp.createDemoPolicy)} />}
    </div>
  );
}

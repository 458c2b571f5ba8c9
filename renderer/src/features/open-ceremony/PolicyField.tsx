import { useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PolicyTrustReview } from '../../components/PolicyTrustReview';
import { policyLabel } from './format';
import { useOpenCeremony } from './store';
import { RetryableError } from '../../components/RetryableError';

/**
 * The policy: chosen from those this machine trusts (shown in words), a file
 * read and then trusted on "Trust this policy", or the demo policy.
 */
export function PolicyField() {
  const ids = { select: useId(), described: useId(), error: useId() };
  const policies = useOpenCeremony((s) => s.policies);
  const policyPath = useOpenCeremony((s) => s.form.policyPath);
  const busy = useOpenCeremony((s) => s.policyBusy);
  const error = useOpenCeremony((s) => s.errors.policy);
  const listError = useOpenCeremony((s) => s.errors.policies);
  const selectPolicy = useOpenCeremony((s) => s.selectPolicy);
  const browse = useOpenCeremony((s) => s.browse);
  const createDemoPolicy = useOpenCeremony((s) => s.createDemoPolicy);
  const loadPolicies = useOpenCeremony((s) => s.loadPolicies);
  const inspection = useOpenCeremony((s) => s.policyInspection);
  const trust = useOpenCeremony((s) => s.trustInspectedPolicy);
  const dismissInspection = useOpenCeremony((s) => s.dismissPolicyInspection);
  const chosen = policies?.find((policy) => policy.path === policyPath);

  return (
    <fieldset className="policy-field">
      <legend>Policy</legend>
      {policies && policies.length > 0 && (
        <div className="field">
          <label htmlFor={ids.select}>Who must approve</label>
          <select
            id={ids.select}
            value={policyPath ?? ''}
            onChange={(event) => selectPolicy(event.target.value || undefined)}
            aria-invalid={error ? true : undefined}
            aria-describedby={[chosen ? ids.described : '', error ? ids.error : ''].filter(Boolean).join(' ') || undefined}
          >
            <option value="">Choose a policy…</option>
            {policies.map((policy) => (
              <option key={policy.digest} value={policy.path}>
                {policyLabel(policy)}
              </option>
            ))}
          </select>
          {chosen && (
            <p id={ids.described} className="hint">
              {chosen.description}. From <code>{chosen.path}</code>
            </p>
          )}
        </div>
      )}
      {policies && policies.length === 0 && (
        <p className="muted">
          This machine trusts no policy yet. A policy says who approves releases and how many must agree. Load your team's from a file, or create the demo policy for
          the demo tokens alice, bob and carol.
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => void browse('policy')}>
          Load a policy file…
        </button>
        {policies && policies.length === 0 && (
          <button type="button" onClick={() => void createDemoPolicy()}>
            Create the demo policy
          </button>
        )}
      </div>
      {inspection ? (
        <PolicyTrustReview path={inspection.path} policy={inspection.policy} busy={busy} error={error} onTrust={trust} onDismiss={dismissInspection} level={3} />
      ) : (
        <>
          <BusyStatus texts={busy ? [busy] : []} />
          {error && <ErrorMessage id={ids.error} error={error} />}
        </>
      )}
      <RetryableError error={listError} onRetry={loadPolicies} />
    </fieldset>
  );
}

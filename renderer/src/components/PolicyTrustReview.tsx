import { useEffect, useId, useRef } from 'react';
import type { PolicyInspection } from '../../../shared/api/contract';
import type { ErrorData } from '../../../shared/errors';
import { BusyStatus } from './BusyStatus';
import { ErrorMessage } from './ErrorMessage';
import './PolicyTrustReview.css';

/** What trusting a policy means on this machine, in one place for every screen that asks. */
export const trustMeaningText =
  'Trusting a policy means ceremonies opened under it take decisions on this machine: the approvals of the people it lists count here, and a release they approve can be published from here. A ceremony under a policy this machine does not trust is shown, but takes no decisions.';

interface PolicyTrustReviewProps {
  path: string;
  policy: PolicyInspection;
  /** Trusting is under way (its words), or undefined. */
  busy: string | undefined;
  error: ErrorData | undefined;
  onTrust: () => unknown;
  onDismiss: () => void;
  /** The heading's level where it is shown (under the screen's own headings). */
  level: 3 | 4;
}

/**
 * A policy file read but not trusted yet: its digest (to compare with the one
 * the team published), its rule and its approvers, then an explicit "Trust
 * this policy". Nothing is trusted until that button is pressed.
 */
export function PolicyTrustReview({ path, policy, busy, error, onTrust, onDismiss, level }: PolicyTrustReviewProps) {
  const Heading = level === 3 ? 'h3' : 'h4';
  const headingId = useId();
  const errorId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);

  // What the person must read now appeared: take focus there, so a screen reader reads it first.
  useEffect(() => headingRef.current?.focus(), [policy.digest]);

  return (
    <section className="policy-review" aria-labelledby={headingId}>
      <Heading id={headingId} ref={headingRef} tabIndex={-1}>
        {policy.trusted ? 'This machine already trusts this policy' : 'Trust this policy?'}
      </Heading>
      <dl className="facts facts-stacked">
        <div>
          <dt>Name</dt>
          <dd>{policy.name ?? 'Unnamed policy'}</dd>
        </div>
        <div>
          <dt>Digest</dt>
          <dd>
            <code className="digest">sha256:{policy.digest}</code>
          </dd>
        </div>
        <div>
          <dt>Rule</dt>
          <dd>{policy.description}</dd>
        </div>
        <div>
          <dt>File</dt>
          <dd>
            <code>{path}</code>
          </dd>
        </div>
      </dl>
      <p>
        <strong>Approvers ({policy.approvers.length})</strong>
      </p>
      <ul className="people" aria-label="Approvers of this policy">
        {policy.approvers.map((approver) => (
          <li key={approver.id}>
            <strong>{approver.id}</strong>
            {approver.role && <span className="muted"> ({approver.role})</span>}
          </li>
        ))}
      </ul>
      {!policy.trusted && (
        <>
          <p>Compare the digest with the one your team published before you trust it.</p>
          <p className="hint">{trustMeaningText}</p>
        </>
      )}
      {error && <ErrorMessage id={errorId} error={error} />}
      <BusyStatus texts={busy ? [busy] : []} />
      <div className="actions">
        {!policy.trusted && (
          <button type="button" className="button-primary" onClick={() => void onTrust()} aria-disabled={busy ? true : undefined} aria-describedby={error ? errorId : undefined}>
            Trust this policy
          </button>
        )}
        <button type="button" onClick={onDismiss} disabled={busy !== undefined}>
          {policy.trusted ? 'Close' : 'Do not trust it'}
        </button>
      </div>
    </section>
  );
}

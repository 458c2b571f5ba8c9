import { useId } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { formatInstant } from './format';

/**
 * Who approved or rejected, under which policy, and any problem. The state
 * and the meter are said once, in the header (CeremonyHeader).
 */
export function ApprovalStatus({ detail }: { detail: CeremonyDetail }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>Approvals</h3>
      <p className="muted">
        Policy: {detail.policy.description}. Opened by {detail.openedBy} on {formatInstant(detail.openedAt)}; expires {formatInstant(detail.expiresAt)}.
      </p>
      {detail.approvals.length === 0 && detail.rejections.length === 0 && <p>Nobody has approved or rejected yet.</p>}
      {detail.approvals.length > 0 && (
        <>
          <h4>Approved by</h4>
          <ul className="people">
            {detail.approvals.map((approval) => (
              <li key={approval.keyId}>
                <strong>{approval.approverId}</strong>
                {approval.role && <span className="muted"> ({approval.role})</span>} <span className="muted">at {formatInstant(approval.at)}</span>
                {approval.attestation && <span className="muted">; {approval.attestation}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {detail.rejections.length > 0 && (
        <>
          <h4>Rejected by</h4>
          <ul className="people">
            {detail.rejections.map((rejection) => (
              <li key={rejection.keyId}>
                <strong>{rejection.approverId}</strong> <span className="muted">at {formatInstant(rejection.at)}</span>: “{rejection.reason}”
              </li>
            ))}
          </ul>
        </>
      )}
      {detail.problems.length > 0 && (
        <div className="message message-danger">
          <div>
            <p>
              <strong>Problems</strong>
            </p>
            <ul>
              {detail.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}

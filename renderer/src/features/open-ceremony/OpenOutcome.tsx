import { useEffect, useId, useRef } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { FindingsList } from '../../components/FindingsList';
import { useNavigation } from '../../app/navigation';
import { offers, releaseTitle, stateText } from '../ceremony/format';
import { OverrideForm } from './OverrideForm';
import { useOpenCeremony } from './store';

/** What the opening found, and what happens next: approvals, an override, or new evidence. */
export function OpenOutcome({ detail }: { detail: CeremonyDetail }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const findingsId = useId();
  const go = useNavigation((s) => s.go);
  const startOver = useOpenCeremony((s) => s.startOver);
  const backToForm = useOpenCeremony((s) => s.backToForm);
  const failed = detail.findings.filter((finding) => finding.status === 'fail').length;
  // Freezing over failed checks is offered only when the core offers `freeze` and the policy allows overriding.
  const overridable = detail.overrideAllowed && offers(detail, 'freeze');

  // The screen changed under the person: take focus to what it now says.
  useEffect(() => headingRef.current?.focus(), []);

  const review = () => {
    startOver();
    go({ screen: 'ceremony', ceremonyId: detail.id });
  };

  return (
    <section className="outcome" aria-labelledby={findingsId}>
      <h3 id={findingsId} ref={headingRef} tabIndex={-1}>
        {releaseTitle(detail.release)}: what Conclave found
      </h3>
      <FindingsList findings={detail.findings} labelledBy={findingsId} />

      {detail.state === 'frozen' && (
        <div className="message message-ok outcome-result" role="status">
          <div>
            <p>
              <strong>Frozen: ready for approvals.</strong>
            </p>
            <p>The release statement is fixed; every approver signs these exact bytes. Policy: {detail.policy.description}.</p>
          </div>
        </div>
      )}
      {detail.state === 'open' && overridable && (
        <>
          <div className="message message-warning outcome-result">
            <p>
              {failed === 1 ? 'A check failed.' : `${failed} checks failed.`} This policy allows an override: give the reason and sign it with your key, or fix the
              evidence and open a new ceremony.
            </p>
          </div>
          <OverrideForm />
        </>
      )}
      {detail.state === 'open' && !overridable && (
        <div className="message message-danger outcome-result" role="alert">
          <p>
            <strong>Not frozen:</strong> {failed === 1 ? 'a check failed' : `${failed} checks failed`} and this policy does not allow overriding. Fix the evidence and open a new
            ceremony.
          </p>
        </div>
      )}
      {/* Why, when the ceremony cannot go on (for example its opener was the only approver of a role the policy needs). */}
      {detail.state !== 'open' && detail.state !== 'frozen' && (
        <p className="message message-info">
          {stateText[detail.state]}
          {detail.tally ? `: ${detail.tally}.` : ''}
        </p>
      )}

      <div className="actions">
        {detail.state !== 'open' ? (
          <button type="button" className="button-primary" onClick={review}>
            Review the ceremony
          </button>
        ) : (
          <>
            <button type="button" onClick={backToForm}>
              Change the evidence
            </button>
            <button type="button" onClick={() => go({ screen: 'ceremony', ceremonyId: detail.id })}>
              Go to the ceremony
            </button>
          </>
        )}
        <button type="button" onClick={startOver}>
          Open another ceremony
        </button>
      </div>
    </section>
  );
}

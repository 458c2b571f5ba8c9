import { useId } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { offers } from './format';
import { canApprove, canReject, canWithdraw, checklistComplete, checklistItems, useCeremony } from './store';

/**
 * The approver confirms what they reviewed; Approve stays disabled until every
 * item is ticked, and is gone once the policy is met. Approve, Reject and "Withdraw my approval" appear only when
 * the core offers them (`detail.actions`); withdrawing also needs a key
 * attached here whose approval counts.
 */
export function ReviewChecklist() {
  const headingId = useId();
  const hintId = useId();
  const detail = useCeremony((s) => s.detail);
  const checklist = useCeremony((s) => s.checklist);
  const toggle = useCeremony((s) => s.toggleChecklist);
  const openSign = useCeremony((s) => s.openSign);
  const signError = useCeremony((s) => s.signError);
  const signNote = useCeremony((s) => s.signNote);
  const dismissSignError = useCeremony((s) => s.dismissSignError);
  const approvable = useCeremony(canApprove);
  const withdrawable = useCeremony(canWithdraw);
  if (!detail) return null;
  // Once the threshold is met, more approvals change nothing: the checklist and Approve… give way to Publish.
  const approveOffered = detail.statement !== undefined && offers(detail, 'approve') && detail.state !== 'approved';
  const rejectOffered = canReject(detail);
  if (!approveOffered && !rejectOffered && !withdrawable) return null;
  const complete = checklistComplete(checklist);

  return (
    <section className="panel panel-sign" aria-labelledby={headingId}>
      <h3 id={headingId}>Review and sign</h3>
      {approveOffered && (
        <fieldset className="checklist">
          <legend>Before you approve, confirm:</legend>
          {checklistItems.map((item) => (
            <div key={item.id} className="check-field">
              <input id={`${headingId}-${item.id}`} type="checkbox" checked={checklist[item.id] === true} onChange={() => toggle(item.id)} />
              <label htmlFor={`${headingId}-${item.id}`}>{item.text}</label>
            </div>
          ))}
        </fieldset>
      )}
      <div className="actions">
        {approveOffered && (
          <button type="button" className="button-primary" disabled={!approvable} aria-describedby={complete ? undefined : hintId} onClick={() => void openSign('approve')}>
            Approve…
          </button>
        )}
        {rejectOffered && (
          <button type="button" onClick={() => void openSign('reject')}>
            Reject…
          </button>
        )}
        {withdrawable && (
          <button type="button" className="button-danger-quiet" onClick={() => void openSign('withdraw')}>
            Withdraw my approval…
          </button>
        )}
      </div>
      {approveOffered && !complete && (
        <p id={hintId} className="hint">
          Approve is enabled once every item above is confirmed.
        </p>
      )}
      <div role="status">{signNote && <p className="message message-ok">{signNote}</p>}</div>
      {signError && <ErrorMessage error={signError} onDismiss={dismissSignError} />}
    </section>
  );
}

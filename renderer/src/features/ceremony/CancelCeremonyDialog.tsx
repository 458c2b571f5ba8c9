import { useId, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { releaseTitle } from './format';
import { useCeremony } from './store';

/** Ends a ceremony for good, with the reason kept in its history. */
export function CancelCeremonyDialog() {
  const ids = { reason: useId(), error: useId() };
  const detail = useCeremony((s) => s.detail);
  const cancellation = useCeremony((s) => s.cancellation);
  const setReason = useCeremony((s) => s.setCancelReason);
  const confirm = useCeremony((s) => s.confirmCancel);
  const close = useCeremony((s) => s.closeCancel);
  if (!detail) return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void confirm();
  };

  return (
    <Dialog title={`Cancel the ceremony for ${releaseTitle(detail.release)}?`} onClose={close}>
      <form className="form" onSubmit={submit} noValidate>
        <p>A cancelled ceremony takes no more approvals and cannot be published. Open a new ceremony to release these artifacts later.</p>
        <div className="field">
          <label htmlFor={ids.reason}>Reason for cancelling</label>
          <textarea
            id={ids.reason}
            rows={3}
            value={cancellation.reason}
            onChange={(event) => setReason(event.target.value)}
            readOnly={cancellation.working}
            aria-invalid={cancellation.error ? true : undefined}
            aria-describedby={cancellation.error ? ids.error : undefined}
            data-autofocus
          />
        </div>
        {cancellation.error && <ErrorMessage id={ids.error} error={cancellation.error} />}
        <BusyStatus texts={cancellation.working ? ['Cancelling the ceremony…'] : []} />
        <div className="dialog-actions">
          <button type="button" onClick={close}>
            Keep the ceremony
          </button>
          <button type="submit" className="button-danger" aria-disabled={cancellation.working ? true : undefined}>
            Cancel ceremony
          </button>
        </div>
      </form>
    </Dialog>
  );
}

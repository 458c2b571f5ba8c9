import { useId, useRef, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SignAs } from '../../components/SignAs';
import { releaseTitle } from './format';
import { chosenKey } from './signer';
import { useCeremony } from './store';

/**
 * Ends a ceremony for good, with the reason kept in its history and signed by
 * an approver or release manager of its policy. The PIN lives only in this
 * dialog's state and is cleared as soon as the token answers.
 */
export function CancelCeremonyDialog() {
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const ids = { reason: useId(), error: useId() };
  const detail = useCeremony((s) => s.detail);
  const cancellation = useCeremony((s) => s.cancellation);
  const setReason = useCeremony((s) => s.setCancelReason);
  const selectKey = useCeremony((s) => s.selectCancelKey);
  const reloadKeys = useCeremony((s) => s.reloadCancelKeys);
  const confirm = useCeremony((s) => s.confirmCancel);
  const close = useCeremony((s) => s.closeCancel);
  if (!detail) return null;

  const key = chosenKey(cancellation);
  const reasonMissing = cancellation.error !== undefined && !cancellation.reason.trim();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (cancellation.working) return;
    const done = await confirm(pin);
    // The PIN was for this one signature: it goes whatever the answer.
    setPin('');
    if (done) return;
    // Back to what needs the person: the reason when it is missing, else the PIN (or the key list).
    if (!cancellation.reason.trim()) reasonRef.current?.focus();
    else (pinRef.current ?? document.querySelector<HTMLInputElement>('.dialog .key-choices input[type="radio"]:not(:disabled)'))?.focus();
  };

  return (
    <Dialog title={`Cancel the ceremony for ${releaseTitle(detail.release)}?`} onClose={close}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <p>A cancelled ceremony takes no more approvals and cannot be published. Open a new ceremony to release these artifacts later.</p>
        <div className="field">
          <label htmlFor={ids.reason}>Reason for cancelling</label>
          <textarea
            ref={reasonRef}
            id={ids.reason}
            rows={3}
            value={cancellation.reason}
            onChange={(event) => setReason(event.target.value)}
            readOnly={cancellation.working}
            aria-invalid={reasonMissing ? true : undefined}
            aria-describedby={reasonMissing ? ids.error : undefined}
            data-autofocus
          />
        </div>
        <SignAs
          legend="Sign the cancellation as"
          keys={cancellation.keys}
          loading={cancellation.loadingKeys}
          loadError={cancellation.keysError}
          onReload={reloadKeys}
          selected={cancellation.keyUri}
          onSelect={selectKey}
          pin={pin}
          onPinChange={setPin}
          working={cancellation.working}
          noneEligibleText="None of the keys attached belongs to an approver or release manager of this ceremony's policy; the list says why. Insert your token, then press Look again."
          errorId={cancellation.error && !reasonMissing ? ids.error : undefined}
          pinRef={pinRef}
        />
        {cancellation.error && <ErrorMessage id={ids.error} error={cancellation.error} />}
        <BusyStatus texts={cancellation.working ? [key ? `Signing the cancellation with ${key.tokenLabel}…` : 'Cancelling the ceremony…'] : []} />
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

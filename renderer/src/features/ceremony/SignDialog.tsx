import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SignAs } from '../../components/SignAs';
import { releaseTitle } from './format';
import { blockingChecks, pinAskable, useSigningPreflight } from './signing-preflight';
import { StatementToSign } from './StatementToSign';
import { readStatement } from './statement';
import { useCeremony, type SignKind } from './store';

const dialogVerb: Record<SignKind, string> = { approve: 'Approve', reject: 'Reject', withdraw: 'Withdraw your approval of' };
const submitText: Record<SignKind, string> = { approve: 'Sign approval', reject: 'Sign rejection', withdraw: 'Sign withdrawal' };
const busyText: Record<SignKind, string> = { approve: 'Signing the approval', reject: 'Signing the rejection', withdraw: 'Signing the withdrawal' };

/**
 * Approve, reject or withdraw an approval with a key on a token. Right above
 * the Sign button it shows what the signature binds, read from the statement
 * itself. The PIN lives only in this dialog's state and is cleared as soon as
 * the token answers; closing the dialog drops it (a signature already under
 * way may still finish). While an approval runs, Cancel stops it (issue 12:
 * its time stamp may wait on a server that never answers): it is then not
 * recorded, and the ceremony keeps every approval it had.
 */
export function SignDialog() {
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const ids = { reason: useId(), error: useId(), preflight: useId() };
  const sign = useCeremony((s) => s.sign);
  const detail = useCeremony((s) => s.detail);
  const selectKey = useCeremony((s) => s.selectKey);
  const setReason = useCeremony((s) => s.setSignReason);
  const submitSign = useCeremony((s) => s.submitSign);
  const cancelSign = useCeremony((s) => s.cancelSign);
  const reloadKeys = useCeremony((s) => s.reloadSigningKeys);
  const close = useCeremony((s) => s.closeSign);
  const keysArrived = sign?.keys !== undefined;
  const approvingKind = sign?.kind === 'approve';
  // Before the PIN (issue 16): a decision's key is checked as soon as it is picked. Withdrawing is checked by the key list (only the key that approved is offered).
  const decides = sign !== undefined && sign.kind !== 'withdraw';
  const preflight = useSigningPreflight(decides ? detail?.id : undefined, decides ? sign.keyUri : undefined, sign?.working ?? false);
  const pinReady = decides && preflight.keyUri === sign.keyUri && pinAskable(preflight);

  // The keys arrive after the dialog opened: take focus to the PIN (or the key list) so typing goes where it should.
  useEffect(() => {
    if (!keysArrived || !approvingKind) return;
    const target = pinRef.current ?? document.querySelector<HTMLInputElement>('.dialog .key-choices input[type="radio"]:not(:disabled)');
    target?.focus();
  }, [keysArrived, approvingKind]);

  // Focus stays where the person put it once a key is picked (arrows may still move between keys, Tab goes on to the
  // PIN): the pre-flight's answer only adds what it found above the PIN field.

  // Sign pressed while the key is still being checked: the PIN waits in this form until the check answers, and goes to
  // the token only if nothing stops the signature (a person typing fast loses neither the PIN nor the Enter).
  const [queued, setQueued] = useState(false);
  const sendPin = async (typed: string) => {
    const done = await submitSign(typed);
    setPin('');
    if (!done) pinRef.current?.focus();
  };
  useEffect(() => {
    if (!queued || !pinReady) return;
    let current = true;
    void Promise.resolve().then(() => {
      if (!current) return;
      setQueued(false);
      return sendPin(pin);
    });
    return () => {
      current = false;
    };
  });

  if (!sign || !detail) return null;

  const approving = sign.kind === 'approve';
  const key = sign.keys?.find((candidate) => candidate.keyUri === sign.keyUri);
  const readable = readStatement(sign.statement.json).ok;
  const stops = decides && preflight.keyUri === sign.keyUri ? blockingChecks(preflight) : [];
  // The PIN field went away (the token was pulled out, the key is not the policy's): the PIN typed goes with it.
  if (stops.length > 0 && pin) setPin('');
  if (stops.length > 0 && queued) setQueued(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // What stops the signature is said above, in the words of the check: no PIN is sent to a token that cannot count.
    if (sign.working || stops.length > 0) return;
    if (decides && !pinReady && preflight.checking) return setQueued(true);
    await sendPin(pin);
  };

  const busy = sign.cancelRequested
    ? ['Cancelling the approval: it is not recorded unless it already was…']
    : sign.working && key
      ? [`${busyText[sign.kind]} with ${key.tokenLabel}…`]
      : queued && key
        ? [`Checking ${key.tokenLabel} before the PIN goes to it…`]
        : [];

  return (
    <Dialog title={`${dialogVerb[sign.kind]} ${releaseTitle(detail.release)}`} onClose={close}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        {approving ? (
          <p>You sign the frozen statement with your token. Your signature counts toward {detail.policy.description}.</p>
        ) : (
          <>
            {sign.kind === 'withdraw' && (
              <p>
                Your approval stops counting toward {detail.policy.description}. The withdrawal is signed with the same key, and you can approve again later while the ceremony
                is not published.
              </p>
            )}
            <div className="field">
              <label htmlFor={ids.reason}>{sign.kind === 'reject' ? 'Reason for rejecting' : 'Reason for withdrawing'}</label>
              <textarea id={ids.reason} rows={3} value={sign.reason} onChange={(event) => setReason(event.target.value)} readOnly={sign.working} data-autofocus />
              <p className="hint">Required. The reason is signed with your key and kept with the ceremony.</p>
            </div>
          </>
        )}
        <SignAs
          legend="Sign with"
          keys={sign.keys}
          loading={sign.loadingKeys}
          loadError={sign.keysError}
          onReload={reloadKeys}
          selected={sign.keyUri}
          onSelect={selectKey}
          pin={pin}
          onPinChange={setPin}
          working={sign.working}
          noneEligibleText={
            sign.kind === 'withdraw'
              ? 'None of the keys attached has an approval in this ceremony to withdraw; the list says why. Insert the token you approved with.'
              : 'None of the keys attached can sign this ceremony; the list says why. Insert the token of an approver who has not decided yet.'
          }
          errorId={sign.error ? ids.error : undefined}
          pinRef={pinRef}
          autoFocusPin={approving}
          preflight={decides ? preflight : undefined}
          preflightId={ids.preflight}
        />
        {sign.error && <ErrorMessage id={ids.error} error={sign.error} />}
        <BusyStatus texts={busy} />
        <StatementToSign kind={sign.kind} statement={sign.statement} detail={detail} />
        <div className="dialog-actions">
          <button type="button" onClick={close}>
            {sign.working ? 'Close' : 'Cancel'}
          </button>
          {sign.working && sign.operationId !== undefined && (
            <button type="button" onClick={() => void cancelSign()} aria-disabled={sign.cancelRequested ? true : undefined}>
              Cancel approval
            </button>
          )}
          <button
            type="submit"
            className={approving ? 'button-primary' : 'button-danger'}
            aria-disabled={sign.working || !key || !readable || stops.length > 0 ? true : undefined}
            aria-describedby={stops.length > 0 ? stops.map((check) => `${ids.preflight}-${check.check}`).join(' ') : undefined}
          >
            {submitText[sign.kind]}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

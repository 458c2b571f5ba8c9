import { useId, useRef, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SignAs } from '../../components/SignAs';
import { chosenKey } from '../ceremony/signer';
import { useOpenCeremony } from './store';

/**
 * Freezes despite failed findings, where the policy allows it: a reason, and
 * a signature by the approver or release manager who takes responsibility.
 * The PIN lives only in this form's state and goes as soon as the token answers.
 */
export function OverrideForm() {
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const ids = { reason: useId(), error: useId() };
  const override = useOpenCeremony((s) => s.override);
  const setReason = useOpenCeremony((s) => s.setOverrideReason);
  const selectKey = useOpenCeremony((s) => s.selectOverrideKey);
  const reloadKeys = useOpenCeremony((s) => s.reloadOverrideKeys);
  const freeze = useOpenCeremony((s) => s.freezeWithOverride);
  const key = chosenKey(override);
  const reasonMissing = override.error !== undefined && !override.reason.trim();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (override.working) return;
    const frozen = await freeze(pin);
    // The PIN was for this one signature: it goes whatever the answer.
    setPin('');
    if (!frozen) pinRef.current?.focus();
  };

  const busy = override.working && key ? [`Signing the override with ${key.tokenLabel}…`] : [];

  return (
    <form className="form override" onSubmit={(event) => void submit(event)} noValidate>
      <div className="field">
        <label htmlFor={ids.reason}>Reason for the override</label>
        <textarea
          id={ids.reason}
          value={override.reason}
          onChange={(event) => setReason(event.target.value)}
          readOnly={override.working}
          rows={3}
          aria-invalid={reasonMissing ? true : undefined}
          aria-describedby={reasonMissing ? ids.error : undefined}
        />
        <p className="hint">Recorded in the release statement with your name, for every approver and auditor to read.</p>
      </div>
      <SignAs
        legend="Sign the override as"
        keys={override.keys}
        loading={override.loadingKeys}
        loadError={override.keysError}
        onReload={reloadKeys}
        selected={override.keyUri}
        onSelect={selectKey}
        pin={pin}
        onPinChange={setPin}
        working={override.working}
        noneEligibleText="None of the keys attached belongs to an approver or release manager of this ceremony's policy; the list says why. Insert your token, then press Look again."
        errorId={override.error && !reasonMissing ? ids.error : undefined}
        pinRef={pinRef}
      />
      {override.error && <ErrorMessage id={ids.error} error={override.error} />}
      <BusyStatus texts={busy} />
      <div className="actions">
        <button type="submit" className="button-primary" aria-disabled={override.working ? true : undefined}>
          Override and freeze
        </button>
      </div>
    </form>
  );
}

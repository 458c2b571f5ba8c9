import { useId, useRef, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { PinField } from '../../components/PinField';
import { needsPin } from '../ceremony/format';
import { SigningKeyChoices } from '../ceremony/SigningKeyChoices';
import { useOpenCeremony } from './store';

/** Freezes despite failed findings, where the policy allows it: a reason, and a signature by the person who takes responsibility. */
export function OverrideForm() {
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const ids = { reason: useId(), error: useId() };
  const override = useOpenCeremony((s) => s.override);
  const setReason = useOpenCeremony((s) => s.setOverrideReason);
  const selectKey = useOpenCeremony((s) => s.selectOverrideKey);
  const freeze = useOpenCeremony((s) => s.freezeWithOverride);
  const key = override.keys?.find((candidate) => candidate.keyUri === override.keyUri);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (override.working) return;
    const frozen = await freeze(key && needsPin(key) ? pin : null);
    // The PIN was for this one signature: it goes whatever the answer.
    setPin('');
    if (!frozen) pinRef.current?.focus();
  };

  const busy = override.working && key ? [`Signing the override with ${key.tokenLabel}…${key.touchLikely ? ' Touch your key if it blinks.' : ''}`] : [];

  return (
    <form className="form override" onSubmit={(event) => void submit(event)} noValidate>
      <div className="field">
        <label htmlFor={ids.reason}>Reason for the override</label>
        <textarea id={ids.reason} value={override.reason} onChange={(event) => setReason(event.target.value)} readOnly={override.working} rows={3} />
        <p className="hint">Recorded in the release statement with your name, for every approver and auditor to read.</p>
      </div>
      {override.loadingKeys && <BusyStatus texts={['Looking for keys on the tokens attached…']} />}
      {override.keys && override.keys.length === 0 && <p className="muted">No key found on the tokens attached. Insert your token, then open the ceremony again.</p>}
      {override.keys && override.keys.length > 0 && (
        <SigningKeyChoices
          legend="Your key (records who overrode)"
          keys={override.keys}
          selected={override.keyUri}
          onSelect={selectKey}
          selectable={(candidate) => candidate.pinStatus !== 'locked'}
          disabled={override.working}
        />
      )}
      {key && needsPin(key) && (
        <PinField token={key} value={pin} onChange={setPin} readOnly={override.working} errorId={override.error ? ids.error : undefined} inputRef={pinRef} />
      )}
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

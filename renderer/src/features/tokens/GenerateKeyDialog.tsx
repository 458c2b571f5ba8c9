import { useId, useState, type FormEvent } from 'react';
import { pivSlots, type PivSlot, type Token } from '../../../../shared/api/contract';
import type { KeyAlgorithm } from '../../../../shared/keys/algorithms';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { algorithmOptions, defaultAlgorithm, isSlowAlgorithm, pivSlotLabel, pivSlotNames, tokenName } from './format';
import { DialogActions } from '../../components/DialogActions';
import { PinField } from '../../components/PinField';
import { op } from './ops';
import { useTokens } from './store';

interface GenerateKeyDialogProps {
  token: Token;
  onClose: () => void;
}

/**
 * Makes a new key pair on the token. The PIN (on a YubiKey, the management key) stays in this form's state and is
 * cleared when the form is sent. A YubiKey makes keys in a PIV slot it names itself: the person picks the slot, not a label.
 */
export function GenerateKeyDialog({ token, onClose }: GenerateKeyDialogProps) {
  const inPivSlot = token.keygen === 'piv-slot';
  const [label, setLabel] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>(defaultAlgorithm);
  const [pivSlot, setPivSlot] = useState<PivSlot>('9c');
  const [pin, setPin] = useState('');
  const ids = { label: useId(), algorithm: useId(), error: useId(), slot: useId(), managementKey: useId(), managementKeyHint: useId() };
  const generateKey = useTokens((s) => s.generateKey);
  const busy = useTokens((s) => s.busy[op.generate(token.uri)]);
  const error = useTokens((s) => s.errors[op.generate(token.uri)]);
  const working = busy !== undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (working) return;
    const entered = token.protectedAuthenticationPath && !inPivSlot ? null : pin;
    setPin('');
    await generateKey(inPivSlot ? { tokenUri: token.uri, label: pivSlotNames[pivSlot], algorithm, pin: entered, pivSlot } : { tokenUri: token.uri, label, algorithm, pin: entered });
  };

  const progress = busy ? [isSlowAlgorithm(algorithm) ? `${busy} RSA keys can take several seconds; keep the token inserted.` : busy] : [];

  return (
    <Dialog title={`Generate a key on ${tokenName(token)}`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate aria-describedby={error ? ids.error : undefined}>
        {inPivSlot ? (
          <div className="field">
            <label htmlFor={ids.slot}>PIV slot</label>
            <select id={ids.slot} name="pivSlot" value={pivSlot} onChange={(event) => setPivSlot(event.target.value as PivSlot)} disabled={working} data-autofocus>
              {pivSlots.map((slot) => (
                <option key={slot} value={slot}>
                  {pivSlotLabel(slot)}
                </option>
              ))}
            </select>
            <p className="hint">The new key replaces the key in this slot, and the YubiKey names it after the slot.</p>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={ids.label}>Label</label>
            <input
              id={ids.label}
              name="label"
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              value={label}
              onChange={(event) => setLabel(event.target.value)}
              readOnly={working}
              data-autofocus
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.algorithm}>Algorithm</label>
          <select
            id={ids.algorithm}
            name="algorithm"
            value={algorithm}
            onChange={(event) => setAlgorithm(event.target.value as KeyAlgorithm)}
            disabled={working}
          >
            {algorithmOptions.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        {inPivSlot ? (
          <div className="field">
            <label htmlFor={ids.managementKey}>Management key</label>
            <input
              id={ids.managementKey}
              name="managementKey"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={pin}
              onChange={(event) => setPin(event.target.value)}
              readOnly={working}
              aria-describedby={ids.managementKeyHint}
            />
            <p id={ids.managementKeyHint} className="hint">
              A YubiKey makes keys only with its PIV management key (48 hex digits), not the PIN. ykman piv info tells whether it is still the default one.
            </p>
          </div>
        ) : token.protectedAuthenticationPath ? (
          <p className="message message-info">Enter the PIN on the token's own keypad when it asks.</p>
        ) : (
          <PinField token={token} value={pin} onChange={setPin} readOnly={working} />
        )}
        {error && <ErrorMessage id={ids.error} error={error} />}
        <BusyStatus texts={progress} />
        {working && <progress className="progress" aria-label="Generating key" />}
        <DialogActions submitLabel="Generate key" onClose={onClose} working={working} closeLabelWhileWorking="Close" />
      </form>
    </Dialog>
  );
}

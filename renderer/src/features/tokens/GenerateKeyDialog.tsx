import { useId, useState, type FormEvent } from 'react';
import type { Token } from '../../../../shared/api/contract';
import type { KeyAlgorithm } from '../../../../shared/keys/algorithms';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { algorithmOptions, defaultAlgorithm, isSlowAlgorithm, tokenName } from './format';
import { DialogActions } from '../../components/DialogActions';
import { PinField } from '../../components/PinField';
import { op } from './ops';
import { useTokens } from './store';

interface GenerateKeyDialogProps {
  token: Token;
  onClose: () => void;
}

/** Makes a new key pair on the token. The PIN stays in this form's state and is cleared when the token answers. */
export function GenerateKeyDialog({ token, onClose }: GenerateKeyDialogProps) {
  const [label, setLabel] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>(defaultAlgorithm);
  const [pin, setPin] = useState('');
  const ids = { label: useId(), algorithm: useId(), error: useId() };
  const generateKey = useTokens((s) => s.generateKey);
  const busy = useTokens((s) => s.busy[op.generate(token.uri)]);
  const error = useTokens((s) => s.errors[op.generate(token.uri)]);
  const working = busy !== undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (working) return;
    const entered = token.protectedAuthenticationPath ? null : pin;
    setPin('');
    await generateKey({ tokenUri: token.uri, label, algorithm, pin: entered });
  };

  const progress = busy ? [isSlowAlgorithm(algorithm) ? `${busy} RSA keys can take several seconds; keep the token inserted.` : busy] : [];

  return (
    <Dialog title={`Generate a key on ${tokenName(token)}`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate aria-describedby={error ? ids.error : undefined}>
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
        {token.protectedAuthenticationPath ? (
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

import { useId, useRef, useState, type FormEvent } from 'react';
import type { Token } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { pinStatusAdvice, tokenName } from './format';
import { op } from './ops';
import { useTokens } from './store';

interface LoginDialogProps {
  token: Token;
  onClose: () => void;
}

/** Asks for the token's PIN. The PIN lives only in this form's state and is cleared as soon as the token answers. */
export function LoginDialog({ token, onClose }: LoginDialogProps) {
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const pinId = useId();
  const errorId = useId();
  const adviceId = useId();
  const login = useTokens((s) => s.login);
  const busy = useTokens((s) => s.busy[op.login(token.uri)]);
  const error = useTokens((s) => s.errors[op.login(token.uri)]);
  const advice = pinStatusAdvice(token.pinStatus);
  const name = tokenName(token);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const accepted = await login(token.uri, pin);
    setPin('');
    if (!accepted) pinRef.current?.focus();
  };

  const describedBy = [advice ? adviceId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;

  return (
    <Dialog title={`Log in to ${name}`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        {advice && (
          <p id={adviceId} className={`message message-${token.pinStatus === 'count-low' ? 'warning' : 'danger'}`}>
            {advice}
          </p>
        )}
        <div className="field">
          <label htmlFor={pinId}>PIN</label>
          <input
            ref={pinRef}
            id={pinId}
            name="pin"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={pin}
            onChange={(event) => setPin(event.target.value)}
            readOnly={busy !== undefined}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            data-autofocus
          />
        </div>
        {error && <ErrorMessage id={errorId} error={error} />}
        <BusyStatus texts={busy ? [busy] : []} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button-primary" aria-disabled={busy ? true : undefined}>
            Log in
          </button>
        </div>
      </form>
    </Dialog>
  );
}

import { useId, useRef, useState, type FormEvent } from 'react';
import type { Token } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { tokenName } from './format';
import { DialogActions } from '../../components/DialogActions';
import { PinField } from '../../components/PinField';
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
  const errorId = useId();
  const login = useTokens((s) => s.login);
  const busy = useTokens((s) => s.busy[op.login(token.uri)]);
  const error = useTokens((s) => s.errors[op.login(token.uri)]);
  const name = tokenName(token);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    // The PIN leaves the form with the call: the field is empty from now on, so a retry typed while the
    // token answers is never wiped by the answer arriving.
    // A token with a PIN pad asks for the PIN itself: nothing is typed here.
    const entered = token.protectedAuthenticationPath ? null : pin;
    setPin('');
    const accepted = await login(token.uri, entered);
    if (!accepted) pinRef.current?.focus();
  };

  return (
    <Dialog title={`Log in to ${name}`} onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        {token.protectedAuthenticationPath ? (
          <p className="message message-info">Enter the PIN on the token's own keypad when it asks.</p>
        ) : (
          <PinField token={token} value={pin} onChange={setPin} readOnly={busy !== undefined} errorId={error ? errorId : undefined} inputRef={pinRef} autoFocus />
        )}
        {error && <ErrorMessage id={errorId} error={error} />}
        <BusyStatus texts={busy ? [busy] : []} />
        <DialogActions submitLabel="Log in" onClose={onClose} working={busy !== undefined} />
      </form>
    </Dialog>
  );
}

import { useId, type Ref } from 'react';
import type { Token } from '../../../shared/api/contract';
import { pinStatusAdvice } from '../features/tokens/format';

interface PinFieldProps {
  /** Its PIN status (for the tries-left warning) and, where the PIN is more than a PIN (a YubiHSM 2), what it is. */
  token: Pick<Token, 'pinStatus'> & Partial<Pick<Token, 'pinFormat' | 'pinTriesLeft'>>;
  value: string;
  onChange: (pin: string) => void;
  readOnly: boolean;
  /** The id of an error message that describes the field, when there is one. */
  errorId?: string | undefined;
  inputRef?: Ref<HTMLInputElement>;
  autoFocus?: boolean;
  /** Not to be typed yet: the key is still being checked before its PIN is asked for. */
  disabled?: boolean;
  /** The token's tries-left warning; off where a pre-flight already says it, with the number, right above. */
  showAdvice?: boolean;
}

/**
 * The one PIN input of the window: masked, never autocompleted or
 * spell-checked, with the token's own warning about tries left. The value
 * belongs to the dialog that shows it and dies with it.
 */
export function PinField({ token, value, onChange, readOnly, errorId, inputRef, autoFocus = false, disabled = false, showAdvice = true }: PinFieldProps) {
  const pinId = useId();
  const adviceId = useId();
  const formatId = useId();
  const advice = showAdvice ? pinStatusAdvice(token.pinStatus, token.pinTriesLeft) : undefined;
  const describedBy = [token.pinFormat ? formatId : '', advice ? adviceId : '', errorId ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <>
      {advice && (
        <p id={adviceId} className={`message message-${token.pinStatus === 'count-low' ? 'warning' : 'danger'}`}>
          {advice}
        </p>
      )}
      <div className="field">
        <label htmlFor={pinId}>PIN</label>
        <input
          ref={inputRef}
          id={pinId}
          name="pin"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          readOnly={readOnly}
          disabled={disabled}
          aria-invalid={errorId ? true : undefined}
          aria-describedby={describedBy}
          {...(autoFocus ? { 'data-autofocus': true } : {})}
        />
      </div>
      {token.pinFormat && (
        <p id={formatId} className="hint">
          The PIN is {token.pinFormat}.
        </p>
      )}
    </>
  );
}

import type { Ref } from 'react';
import type { SigningKey } from '../../../shared/api/contract';
import type { ErrorData } from '../../../shared/errors';
import { needsPin } from '../features/ceremony/format';
import { SigningKeyChoices } from '../features/ceremony/SigningKeyChoices';
import type { SigningPreflightState } from '../features/ceremony/signing-preflight';
import { SigningPreflightChecks } from '../features/ceremony/signing-preflight-checks';
import { BusyStatus } from './BusyStatus';
import { PinField } from './PinField';
import { RetryableError } from './RetryableError';

interface SignAsProps {
  /** The group's name: "Sign the opening as", "Sign with"… */
  legend: string;
  /** The keys on the tokens attached, each marked eligible or not by the core; undefined until they arrive. */
  keys: readonly SigningKey[] | undefined;
  loading: boolean;
  loadError: ErrorData | undefined;
  /** Asks the core for the keys again (a token was inserted, a failure to retry). */
  onReload: () => unknown;
  selected: string | undefined;
  onSelect: (keyUri: string) => void;
  /** The PIN lives in the form that signs (never in a store) and dies with it. */
  pin: string;
  onPinChange: (pin: string) => void;
  /** A signature is under way: the choice is fixed and the PIN read-only until the token answers. */
  working: boolean;
  /** Said, with Look again, when keys are attached but none of them may sign this. */
  noneEligibleText: string;
  /** Said, with Look again, when no key is attached at all. */
  noKeysText?: string;
  /** The id of the error shown about this signature, when there is one: the PIN field is described by it and marked invalid. */
  errorId?: string | undefined;
  pinRef?: Ref<HTMLInputElement>;
  autoFocusPin?: boolean;
  /**
   * The pre-flight of the chosen key (issue 16), where the form has one: said
   * before the PIN, which is asked for only once nothing stops the signature.
   */
  preflight?: SigningPreflightState | undefined;
  /** The prefix of the ids the pre-flight's sentences get (`${prefix}-${check}`), for the Sign button to be described by what stops it. */
  preflightId?: string | undefined;
}

/**
 * "Sign … as": the keys attached here that may sign this event (the others
 * greyed, with why), then the PIN when the chosen key's token asks for one
 * here. A PIN-pad reader is not asked: the person types on the reader. While
 * the token works, a YubiKey's touch is asked for.
 */
export function SignAs({
  legend,
  keys,
  loading,
  loadError,
  onReload,
  selected,
  onSelect,
  pin,
  onPinChange,
  working,
  noneEligibleText,
  noKeysText = 'No signing key found on the tokens attached. Insert your token, then press Look again.',
  errorId,
  pinRef,
  autoFocusPin = false,
  preflight,
  preflightId,
}: SignAsProps) {
  const key = selected === undefined ? undefined : keys?.find((candidate) => candidate.keyUri === selected);
  const noneEligible = keys !== undefined && !keys.some((candidate) => candidate.eligible);
  // Only an answer about the key chosen now counts.
  const checked = preflight && key && preflight.keyUri === key.keyUri ? preflight : undefined;
  const blocked = checked?.answer !== undefined && !checked.answer.ready;
  return (
    <fieldset className="key-choices sign-as">
      <legend>{legend}</legend>
      <BusyStatus texts={loading ? ['Looking for keys on the tokens attached…'] : []} />
      <RetryableError error={loadError} onRetry={onReload} />
      {keys && keys.length > 0 && <SigningKeyChoices keys={keys} selected={selected} onSelect={onSelect} disabled={working} />}
      {noneEligible && !loading && (
        <div className="message message-warning">
          <p>{keys.length === 0 ? noKeysText : noneEligibleText}</p>
          <button type="button" onClick={() => void onReload()} disabled={working}>
            Look again
          </button>
        </div>
      )}
      {checked && <SigningPreflightChecks preflight={checked} idPrefix={preflightId} />}
      {key && needsPin(key) && !blocked && (
        <PinField
          token={key}
          value={pin}
          onChange={onPinChange}
          readOnly={working}
          errorId={errorId}
          inputRef={pinRef}
          autoFocus={autoFocusPin}
          // Typed while the key is checked, sent only once the pre-flight found nothing that stops the signature (the
          // dialog holds it until then); the pre-flight then says the tries left itself.
          showAdvice={checked?.answer === undefined}
        />
      )}
      {key && !needsPin(key) && !blocked && key.protectedAuthenticationPath && <p className="hint">Enter the PIN on the reader's own keypad when it asks.</p>}
      {working && key?.touchLikely && (
        <p className="message message-info touch" role="alert">
          Touch your key if it blinks.
        </p>
      )}
    </fieldset>
  );
}

/**
 * Choosing who signs: every ceremony event (opening, override, approval,
 * rejection, cancellation, publication) is signed by its author's key. These
 * pure functions keep the key list and the choice the same in every form that
 * asks for one; the PIN is only ever an argument here, never kept.
 */
import type { SigningKey } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { defaultSigningKey, needsPin, orderSigningKeys } from './format';

/** The keys offered by one form that signs, and the one chosen. */
export interface KeyPick {
  keys: readonly SigningKey[] | undefined;
  loadingKeys: boolean;
  keysError: ErrorData | undefined;
  keyUri: string | undefined;
}

export function emptyKeyPick(): KeyPick {
  return { keys: undefined, loadingKeys: false, keysError: undefined, keyUri: undefined };
}

/** Keys as they arrived, usable ones first; the choice is kept while its key is still usable, else the only usable key is chosen. */
export function keysWithChoice(keys: readonly SigningKey[], chosen: string | undefined): Pick<KeyPick, 'keys' | 'keyUri'> {
  const ordered = orderSigningKeys(keys);
  const kept = chosen !== undefined && ordered.some((key) => key.keyUri === chosen && key.eligible) ? chosen : defaultSigningKey(ordered);
  return { keys: ordered, keyUri: kept };
}

/** Whether this key may be chosen in this list. */
export function choosable(keys: readonly SigningKey[] | undefined, keyUri: string): boolean {
  return keys?.some((key) => key.keyUri === keyUri && key.eligible) ?? false;
}

export function chosenKey(pick: Pick<KeyPick, 'keys' | 'keyUri'>): SigningKey | undefined {
  return pick.keyUri === undefined ? undefined : pick.keys?.find((key) => key.keyUri === pick.keyUri);
}

export type SignerCheck = { ok: true; key: SigningKey; keyUri: string; pin: string | null } | { ok: false; error: ErrorData };

/**
 * What a call that signs needs: the chosen key, if it may sign, and the PIN
 * when its token asks for one here (null for PIN pads and tokens without a
 * login, whatever was typed).
 */
export function checkSigner(pick: Pick<KeyPick, 'keys' | 'keyUri'>, pin: string | null, chooseText = 'Choose the key to sign with.'): SignerCheck {
  const key = chosenKey(pick);
  if (!key || !key.eligible) return { ok: false, error: { code: 'invalid-input', message: chooseText } };
  if (!needsPin(key)) return { ok: true, key, keyUri: key.keyUri, pin: null };
  if (!pin) return { ok: false, error: { code: 'invalid-input', message: `Enter the PIN of ${key.tokenLabel}.` } };
  return { ok: true, key, keyUri: key.keyUri, pin };
}

/** Refusals that are about the key or its PIN, shown beside them rather than as a general failure. */
const signerCodes: ReadonlySet<ErrorData['code']> = new Set(['pin-incorrect', 'pin-locked', 'pin-invalid', 'pin-required', 'login-required', 'forbidden', 'key-not-found', 'token-not-found', 'token-removed']);

export function isSignerError(error: ErrorData): boolean {
  return signerCodes.has(error.code);
}

/**
 * How tokens, keys and errors are put into words on the Tokens screen. Pure
 * functions: components call them, tests check them.
 */
import type { PivSlot, Token, TokenKey } from '../../../../shared/api/contract';
export { errorText } from '../../lib/errors';
import { shortenHex } from '../../lib/shorten';
import { describeKeyType, keyAlgorithms, keyTypeOfAlgorithm, type KeyAlgorithm } from '../../../../shared/keys/algorithms';

export type Tone = 'ok' | 'info' | 'warning' | 'danger';
export interface Flag {
  text: string;
  tone: Tone;
}

/**
 * The short flags shown next to a token's name. `pinAccepted`: the token took
 * a PIN typed in this window (Log in); "PIN required" would then read as if it
 * had not.
 */
export function tokenFlags(token: Token, pinAccepted = false): Flag[] {
  const flags: Flag[] = [];
  if (token.loginRequired) flags.push(pinAccepted ? { text: 'PIN accepted', tone: 'ok' } : { text: 'PIN required', tone: 'info' });
  if (token.protectedAuthenticationPath) flags.push({ text: 'PIN pad', tone: 'info' });
  switch (token.pinStatus) {
    case 'count-low':
      // The number only where the token says one (a YubiKey); other tokens' flag means "few".
      flags.push({ text: token.pinTriesLeft !== undefined ? `PIN: ${token.pinTriesLeft} ${token.pinTriesLeft === 1 ? 'try' : 'tries'} left` : 'PIN: few tries left', tone: 'warning' });
      break;
    case 'final-try':
      flags.push({ text: 'PIN: one try left', tone: 'danger' });
      break;
    case 'locked':
      flags.push({ text: 'PIN locked', tone: 'danger' });
      break;
    case 'ok':
      break;
  }
  return flags;
}

/** The PIV slots' names as ykcs11 names their keys ("Private key for Digital Signature", yubico-piv-tool ykcs11/objects.c). */
export const pivSlotNames: Record<PivSlot, string> = {
  '9a': 'PIV Authentication',
  '9c': 'Digital Signature',
  '9d': 'Key Management',
  '9e': 'Card Authentication',
};

/** What choosing a slot means for signing with its key: when the YubiKey asks for the PIN (its default PIN policy). */
const pivSlotPin: Record<PivSlot, string> = {
  '9a': 'PIN once per session',
  '9c': 'PIN for every signature',
  '9d': 'PIN once per session',
  '9e': 'no PIN',
};

/** "9c: Digital Signature (PIN for every signature)". */
export function pivSlotLabel(slot: PivSlot): string {
  return `${slot}: ${pivSlotNames[slot]} (${pivSlotPin[slot]})`;
}

/** What a person should know about the PIN before typing it; undefined when all is well. */
export function pinStatusAdvice(status: Token['pinStatus'], triesLeft?: number): string | undefined {
  switch (status) {
    case 'count-low':
      // The number where the token says one (a YubiKey), else the token's own "few".
      return triesLeft !== undefined && triesLeft > 1
        ? `A wrong PIN was entered on this token recently: ${triesLeft} tries are left before the PIN locks.`
        : 'A wrong PIN was entered on this token recently: only a few tries are left before the PIN locks.';
    case 'final-try':
      return 'One try left: a wrong PIN now locks this token.';
    case 'locked':
      return "The PIN is locked. Unlock it with the token's own tools (its PUK or SO PIN) before using it here.";
    case 'ok':
      return undefined;
  }
}

/** A token's label as a heading; tokens may have an empty label. */
export function tokenName(token: Pick<Token, 'label' | 'serial'>): string {
  const label = token.label.trim();
  if (label) return label;
  return token.serial.trim() ? `Unlabelled token ${token.serial.trim()}` : 'Unlabelled token';
}

export function keyName(key: Pick<TokenKey, 'label' | 'id'>): string {
  const label = key.label.trim();
  if (label) return label;
  return key.id ? `Unlabelled key ${key.id}` : 'Unlabelled key';
}

/** A long hex key id cut to its two ends, e.g. 3f2a9c1b…77d0e4a2; the full value goes in a title. */
export const shortenKeyId = (keyId: string): string => shortenHex(keyId);

export function describeKey(key: Pick<TokenKey, 'type'>): string {
  return describeKeyType(key.type);
}

/** Whether the private half is on the token; never the key itself, which no token gives out. */
export function privateKeyText(hasPrivateKey: boolean | null): string {
  // The token lists private keys only to a logged-in session: before that, whether it is there is not known.
  if (hasPrivateKey === null) return 'Log in to check it is on the token';
  return hasPrivateKey ? 'On the token' : 'Not on this token (public key only)';
}

/** File name for "Save public key": `<label>.pub.pem`, with characters no file system likes taken out. */
export function publicKeyFileName(key: Pick<TokenKey, 'label' | 'id' | 'keyId'>): string {
  const safe = key.label
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._-]+/gu, '-')
    .replace(/^[\s.-]+|[\s.-]+$/g, '')
    .slice(0, 64);
  const base = safe || `key-${(key.id || key.keyId).slice(0, 16) || 'unnamed'}`;
  return `${base}.pub.pem`;
}

export interface AlgorithmOption {
  value: KeyAlgorithm;
  label: string;
}

/** The algorithms offered by "Generate key", in the order shown; the first is the default. */
export const algorithmOptions: readonly AlgorithmOption[] = keyAlgorithms.map((value) => ({
  value,
  label: describeKeyType(keyTypeOfAlgorithm(value)),
}));

export const defaultAlgorithm: KeyAlgorithm = 'ecdsa-p256';

/** Whether generating this kind of key is slow enough to warn about (RSA keygen can take seconds). */
export function isSlowAlgorithm(algorithm: KeyAlgorithm): boolean {
  return keyTypeOfAlgorithm(algorithm).kind === 'rsa';
}

/** Progress texts, one per operation, naming what is being worked on. */
export const busyText = {
  load: 'Looking for tokens…',
  addModule: 'Adding module…',
  chooseModule: 'Choose the module’s file…',
  removeModule: (moduleLabel: string) => `Removing ${moduleLabel}…`,
  createDemo: 'Creating demo tokens alice, bob and carol…',
  listKeys: (tokenLabel: string) => `Loading keys on ${tokenLabel}…`,
  login: (tokenLabel: string) => `Logging in to ${tokenLabel}…`,
  generate: (tokenLabel: string) => `Generating key on ${tokenLabel}…`,
} as const;

export const moduleOriginText = {
  discovered: 'Found on this computer',
  added: 'Added by you',
  demo: 'Demo',
} as const;

export const moduleStatusText = {
  ready: 'Ready',
  failed: 'Failed to load',
} as const;

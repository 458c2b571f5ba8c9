/**
 * What a token says about its user PIN (CK_TOKEN_INFO flags, PKCS#11 v2.40
 * §3.2), read with what the module's family means by them, and said as the
 * person at the screen needs it: a number of tries only where the token says
 * one, "last try" on CKF_USER_PIN_FINAL_TRY, and how to change a PIN that must
 * be changed (issue 13).
 */
import type { FamilyProfile } from './families';

export const pinFlags = {
  countLow: 0x10000,
  finalTry: 0x20000,
  locked: 0x40000,
  toBeChanged: 0x80000,
} as const;

export interface PinState {
  status: 'ok' | 'count-low' | 'final-try' | 'locked';
  /** Tries left before the PIN locks, only where the token's flags stand for a number (see FamilyProfile.pinTries). */
  triesLeft?: number;
  /** CKF_USER_PIN_TO_BE_CHANGED: the PIN is the initial one, or the token expired it. */
  mustChange: boolean;
  /** False where the family never locks a PIN (its CKF_USER_PIN_COUNT_LOW says only that a wrong PIN was tried). */
  locks: boolean;
}

type PinProfile = Pick<FamilyProfile, 'pinTries' | 'changePin'> | undefined;

export function readPinState(flags: number, profile: PinProfile): PinState {
  const locks = profile?.pinTries?.locks ?? true;
  const mustChange = (flags & pinFlags.toBeChanged) !== 0;
  if (flags & pinFlags.locked) return { status: 'locked', triesLeft: 0, mustChange, locks };
  if (flags & pinFlags.finalTry) return { status: 'final-try', triesLeft: 1, mustChange, locks };
  if (flags & pinFlags.countLow) {
    if (!locks) return { status: 'ok', mustChange, locks };
    const exact = profile?.pinTries?.countLow;
    return { status: 'count-low', ...(exact !== undefined ? { triesLeft: exact } : {}), mustChange, locks };
  }
  return { status: 'ok', mustChange, locks };
}

/** How the PIN is changed on this family, or with OpenSC's pkcs11-tool on any module. */
export function howToChangePin(profile: PinProfile, modulePath?: string): string {
  return profile?.changePin ?? `pkcs11-tool --module ${modulePath ?? 'MODULE'} --login --change-pin`;
}

/** "2 tries left", "last try", "PIN locked", "PIN must be changed"; undefined when there is nothing to say. */
export function pinStateNote(state: PinState): string | undefined {
  const notes: string[] = [];
  if (state.status === 'locked') notes.push('PIN locked');
  else if (state.status === 'final-try') notes.push('PIN: last try');
  else if (state.status === 'count-low') notes.push(state.triesLeft !== undefined ? `PIN: ${state.triesLeft} tries left` : 'PIN: few tries left');
  if (state.mustChange) notes.push('PIN must be changed');
  return notes.length > 0 ? notes.join(', ') : undefined;
}

/** The sentence a wrong PIN ends with: what is left before the token locks. */
export function triesLeftSentence(state: PinState | undefined): string {
  if (!state) return ' Too many wrong PINs will lock the token.';
  if (!state.locks) return '';
  switch (state.status) {
    case 'final-try':
      return ' This is the last try: one more wrong PIN locks the token.';
    case 'count-low':
      return state.triesLeft !== undefined ? ` ${state.triesLeft} tries are left before the token locks.` : ' Few tries are left before the token locks.';
    default:
      return ' Too many wrong PINs will lock the token.';
  }
}

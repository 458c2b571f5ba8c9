import { describe, expect, it } from 'vitest';
import { profileOfFamily } from './families';
import { pinFlags, pinStateNote, readPinState } from './pin-state';

describe('a token\'s PIN flags, read as its family means them', () => {
  it('ykcs11: COUNT_LOW is exactly 2 tries, FINAL_TRY 1, LOCKED 0 (yubico-piv-tool ykcs11/ykcs11.c:587-601)', () => {
    const ykcs11 = profileOfFamily('ykcs11');
    expect(pinStateNote(readPinState(pinFlags.countLow, ykcs11))).toBe('PIN: 2 tries left');
    expect(pinStateNote(readPinState(pinFlags.finalTry, ykcs11))).toBe('PIN: last try');
    expect(pinStateNote(readPinState(pinFlags.locked, ykcs11))).toBe('PIN locked');
    expect(pinStateNote(readPinState(0, ykcs11))).toBeUndefined();
  });

  it('another module: COUNT_LOW is "few", never a number it did not give', () => {
    expect(pinStateNote(readPinState(pinFlags.countLow, profileOfFamily('opensc')))).toBe('PIN: few tries left');
    expect(readPinState(pinFlags.countLow, undefined).triesLeft).toBeUndefined();
  });

  it('SoftHSM2: COUNT_LOW after a wrong PIN says nothing, since it never locks', () => {
    expect(readPinState(pinFlags.countLow, profileOfFamily('softhsm2')).status).toBe('ok');
    expect(pinStateNote(readPinState(pinFlags.countLow, profileOfFamily('softhsm2')))).toBeUndefined();
  });

  it('TO_BE_CHANGED is said with the rest', () => {
    expect(pinStateNote(readPinState(pinFlags.toBeChanged | pinFlags.finalTry, profileOfFamily('ykcs11')))).toBe('PIN: last try, PIN must be changed');
  });
});

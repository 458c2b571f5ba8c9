import { describe, expect, it } from 'vitest';
import { profileOfFamily } from './families';
import { asPkcs11Failure, ckr, explainPkcs11Failure } from './pkcs11-errors';
import { readPinState, type PinState } from './pin-state';

const failure = (code: number, name: string) => ({ code, name, method: 'C_Sign' });

describe('PKCS#11 failures explained to the person at the screen', () => {
  it('reads what pkcs11js throws, and nothing else', () => {
    expect(asPkcs11Failure(Object.assign(new Error('CKR_PIN_INCORRECT:160'), { code: 0xa0, method: 'C_Login' }))).toEqual({ code: 0xa0, method: 'C_Login', name: 'CKR_PIN_INCORRECT' });
    expect(asPkcs11Failure(new Error('ENOENT'))).toBeUndefined();
    expect(asPkcs11Failure({ code: 'ENOENT' })).toBeUndefined();
  });

  const state = (status: PinState['status'], extra: Partial<PinState> = {}): PinState => ({ status, mustChange: false, locks: true, ...extra });

  it.each([
    [undefined, 'several', undefined, /Too many wrong PINs will lock/],
    [state('count-low'), 'low', undefined, /Few tries are left/],
    [state('count-low', { triesLeft: 2 }), 'low', 2, /is wrong\. 2 tries are left before the token locks\./],
    [state('final-try', { triesLeft: 1 }), 'final', 1, /This is the last try: one more wrong PIN locks the token\./],
  ] as const)('a wrong PIN says how many tries are left when the token tells (%o)', (pin, triesLeft, triesLeftCount, text) => {
    const error = explainPkcs11Failure(failure(ckr.PIN_INCORRECT, 'CKR_PIN_INCORRECT'), { token: 'alice', doing: 'logging in', ...(pin ? { pin } : {}) });
    expect(error.code).toBe('pin-incorrect');
    expect(error.details.triesLeft).toBe(triesLeft);
    expect(error.details.triesLeftCount).toBe(triesLeftCount);
    expect(error.message).toMatch(text);
  });

  it('a wrong PIN on a token that never locks (SoftHSM2) speaks of no tries at all', () => {
    const pin = readPinState(0x10000, profileOfFamily('softhsm2'));
    expect(pin).toEqual({ status: 'ok', mustChange: false, locks: false });
    const error = explainPkcs11Failure(failure(ckr.PIN_INCORRECT, 'CKR_PIN_INCORRECT'), { token: 'alice', doing: 'logging in', pin });
    expect(error.message).toBe('The PIN for token "alice" is wrong. Check it and try again.');
    expect(error.details.triesLeft).toBeUndefined();
    expect(error.details.triesLeftCount).toBeUndefined();
  });

  it('a wrong PIN that locks the token says it is locked and how to unblock it', () => {
    const error = explainPkcs11Failure(failure(ckr.PIN_INCORRECT, 'CKR_PIN_INCORRECT'), { token: 'alice', doing: 'logging in', pin: state('locked', { triesLeft: 0 }) });
    expect(error.code).toBe('pin-locked');
    expect(error.message).toMatch(/unblock/i);
  });

  it('an expired PIN says it must be changed, and how on this family', () => {
    const error = explainPkcs11Failure({ code: ckr.PIN_EXPIRED, name: 'CKR_PIN_EXPIRED', method: 'C_Login' }, { token: 'YubiKey PIV #1', doing: 'logging in', profile: profileOfFamily('ykcs11') });
    expect(error).toMatchObject({ code: 'pin-invalid', details: { cause: 'pin-expired' } });
    expect(error.message).toContain('ykman piv access change-pin');
    const generic = explainPkcs11Failure({ code: ckr.PIN_EXPIRED, name: 'CKR_PIN_EXPIRED', method: 'C_Login' }, { token: 't', doing: 'logging in', modulePath: '/usr/lib/x.so' });
    expect(generic.message).toContain('pkcs11-tool --module /usr/lib/x.so --login --change-pin');
  });

  it('a wrong PIN on a token whose PIN is to be changed says so too', () => {
    const error = explainPkcs11Failure(failure(ckr.PIN_INCORRECT, 'CKR_PIN_INCORRECT'), { token: 'alice', doing: 'logging in', pin: state('ok', { mustChange: true }), profile: profileOfFamily('tpm2-pkcs11') });
    expect(error.message).toMatch(/must be changed before it signs: tpm2_ptool changepin/);
  });

  it.each([
    [ckr.PIN_LOCKED, 'pin-locked'],
    [ckr.PIN_LEN_RANGE, 'pin-invalid'],
    [ckr.DEVICE_REMOVED, 'token-removed'],
    [ckr.TOKEN_NOT_PRESENT, 'token-removed'],
    [ckr.SESSION_HANDLE_INVALID, 'token-removed'],
    [ckr.MECHANISM_INVALID, 'mechanism-unsupported'],
    [ckr.CURVE_NOT_SUPPORTED, 'mechanism-unsupported'],
    [ckr.KEY_TYPE_INCONSISTENT, 'key-type-unsupported'],
    [ckr.USER_NOT_LOGGED_IN, 'login-required'],
    [ckr.DEVICE_MEMORY, 'token-error'],
    [0x999, 'token-error'],
  ])('CKR 0x%s becomes %s with a message naming the token', (code, expected) => {
    const error = explainPkcs11Failure(failure(code, `CKR_${code}`), { token: 'alice', doing: 'signing' });
    expect(error.code).toBe(expected);
    expect(error.message).toContain('alice');
    expect(error.details.pkcs11).toBe(`CKR_${code}`);
  });

  it('a token pulled out mid-signature says nothing was changed and what to do', () => {
    const error = explainPkcs11Failure(failure(ckr.DEVICE_REMOVED, 'CKR_DEVICE_REMOVED'), { token: 'alice', doing: 'signing' });
    expect(error.message).toBe('Token "alice" was removed or stopped answering while Conclave was signing. Nothing was changed; plug it back in and try again.');
  });

  it('a YubiKey that was not touched in time is told apart from a wrong PIN', () => {
    const error = explainPkcs11Failure(failure(ckr.USER_NOT_LOGGED_IN, 'CKR_USER_NOT_LOGGED_IN'), { token: 'YubiKey PIV #123', doing: 'signing' });
    expect(error.message).toMatch(/touch it/);
  });
});

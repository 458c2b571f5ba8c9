import { describe, expect, it } from 'vitest';
import { asPkcs11Failure, ckr, explainPkcs11Failure } from './pkcs11-errors';

const failure = (code: number, name: string) => ({ code, name, method: 'C_Sign' });

describe('PKCS#11 failures explained to the person at the screen', () => {
  it('reads what pkcs11js throws, and nothing else', () => {
    expect(asPkcs11Failure(Object.assign(new Error('CKR_PIN_INCORRECT:160'), { code: 0xa0, method: 'C_Login' }))).toEqual({ code: 0xa0, method: 'C_Login', name: 'CKR_PIN_INCORRECT' });
    expect(asPkcs11Failure(new Error('ENOENT'))).toBeUndefined();
    expect(asPkcs11Failure({ code: 'ENOENT' })).toBeUndefined();
  });

  it.each([
    [undefined, 'several', /Too many wrong PINs will lock/],
    ['low', 'low', /Few tries are left/],
    ['final', 'final', /Only one try is left/],
  ] as const)('a wrong PIN says how many tries are left when the token tells (%s)', (status, triesLeft, text) => {
    const error = explainPkcs11Failure(failure(ckr.PIN_INCORRECT, 'CKR_PIN_INCORRECT'), { token: 'alice', doing: 'logging in', pinStatus: status });
    expect(error.code).toBe('pin-incorrect');
    expect(error.details.triesLeft).toBe(triesLeft);
    expect(error.message).toMatch(text);
  });

  it('a wrong PIN that locks the token says it is locked and how to unblock it', () => {
    const error = explainPkcs11Failure(failure(ckr.PIN_INCORRECT, 'CKR_PIN_INCORRECT'), { token: 'alice', doing: 'logging in', pinStatus: 'locked' });
    expect(error.code).toBe('pin-locked');
    expect(error.message).toMatch(/unblock/i);
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

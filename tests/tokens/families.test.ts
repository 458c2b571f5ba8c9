/**
 * Module families (issue 13): recognised by what the library says of itself
 * (or, when it cannot start, by marks in its file), and failures explained in
 * the family's terms: the missing service and the command that starts it, how
 * its PIN unlocks, no "re-plug" for tokens nobody can unplug.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { familyOfLibrary, familyOfLibraryFile, profileOfFamily, type FamilyProfile } from '../../electron/core/tokens/host/families';
import { ckr, explainPkcs11Failure } from '../../electron/core/tokens/host/pkcs11-errors';
import { backoffDelayMs } from '../../electron/core/tokens/token-service';

const failure = (code: number, name: string) => ({ code, name, method: 'C_GetSlotList' });

describe('module families', () => {
  it.each([
    ['SoftHSM', 'Implementation of PKCS11', 'softhsm2'],
    ['Mozilla Foundation', 'NSS Internal Crypto Services', 'nss-softokn'],
    ['PKCS#11 Kit', 'PKCS#11 Kit Proxy Module', 'p11-kit-proxy'],
    ['IBM', 'Meta PKCS11 LIBRARY', 'opencryptoki'],
    ['tpm2-software.github.io', 'TPM2.0 Cryptoki', 'tpm2-pkcs11'],
    // yubico-piv-tool ykcs11/ykcs11.h and yubihsm-shell pkcs11/yubihsm_pkcs11.h.
    ['Yubico (www.yubico.com)', 'PKCS#11 PIV Library (SP-800-73)', 'ykcs11'],
    ['Yubico (www.yubico.com)', 'YubiHSM PKCS#11 Library', 'yubihsm'],
    ['OpenSC Project', 'OpenSC smartcard framework', 'opensc'],
    ['Example Corp', 'Example HSM', 'generic'],
  ])('%s / %s is %s', (manufacturer, description, family) => {
    expect(familyOfLibrary({ manufacturer, description })).toBe(family);
  });

  // The Debian libraries themselves, where installed (the conformance suite installs them in CI).
  it.each([
    ['/usr/lib/x86_64-linux-gnu/libsoftokn3.so', 'nss-softokn'],
    ['/usr/lib/x86_64-linux-gnu/pkcs11/libopencryptoki.so', 'opencryptoki'],
    ['/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so', 'tpm2-pkcs11'],
    ['/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so', 'p11-kit-proxy'],
    ['/usr/lib/softhsm/libsofthsm2.so', 'softhsm2'],
    ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', 'opensc'],
  ])('a library that cannot start is still recognised by its file: %s', (path, family) => {
    if (!existsSync(path)) return;
    expect(familyOfLibraryFile(path)).toBe(family);
  });

  it('a file that is no known module, or no file, is generic', () => {
    expect(familyOfLibraryFile('/etc/hostname')).toBe('generic');
    expect(familyOfLibraryFile('/nonexistent/libnothing.so')).toBe('generic');
  });
});

describe('failures in the family\'s terms', () => {
  const withService = (running: boolean | undefined): FamilyProfile => ({
    ...profileOfFamily('ykcs11'),
    service: { name: 'pcscd (the smart card service)', start: 'sudo systemctl start pcscd.socket', running: () => running },
  });

  it('a missing service is named, with the command that starts it, instead of "re-plug the token"', () => {
    const error = explainPkcs11Failure(failure(ckr.DEVICE_ERROR, 'CKR_DEVICE_ERROR'), { token: 'YubiKey', doing: 'listing tokens', profile: withService(false) });
    expect(error.code).toBe('unavailable');
    expect(error.details.cause).toBe('service-not-running');
    expect(error.message).toMatch(/pcscd/);
    expect(error.message).toMatch(/sudo systemctl start pcscd\.socket/);
    expect(error.message).not.toMatch(/re-plug/);
  });

  it('with the service not known to be missing, the service is named as the likely cause, never re-plugging', () => {
    for (const running of [true, undefined]) {
      const error = explainPkcs11Failure(failure(ckr.DEVICE_ERROR, 'CKR_DEVICE_ERROR'), { token: 'YubiKey', doing: 'signing', profile: withService(running) });
      expect(error.code).toBe('token-error');
      expect(error.message).toMatch(/pcscd/);
    }
    // tpm2-pkcs11 with a TCTI of the person's own (which cannot be checked from here): "the TPM", not "re-plug the token".
    const tpm = explainPkcs11Failure(failure(ckr.GENERAL_ERROR, 'CKR_GENERAL_ERROR'), { token: 'alice', doing: 'signing', profile: profileOfFamily('tpm2-pkcs11'), env: { TPM2_PKCS11_TCTI: 'swtpm:port=2321' } });
    expect(tpm.message).toMatch(/the TPM/);
    expect(tpm.message).not.toMatch(/re-plug/);
  });

  it('a token nobody can unplug is never told to be re-plugged', () => {
    for (const family of ['tpm2-pkcs11', 'opencryptoki', 'nss-softokn', 'softhsm2'] as const) {
      const profile = { ...profileOfFamily(family), service: undefined };
      for (const code of [ckr.DEVICE_ERROR, ckr.GENERAL_ERROR, ckr.DEVICE_REMOVED]) {
        expect(explainPkcs11Failure(failure(code, 'CKR_X'), { token: 'alice', doing: 'signing', profile }).message).not.toMatch(/re-plug|plug it back/);
      }
    }
  });

  it('a locked PIN is unlocked the family\'s way: a TPM\'s lockout is no YubiKey PUK', () => {
    const tpm = explainPkcs11Failure(failure(ckr.PIN_LOCKED, 'CKR_PIN_LOCKED'), { token: 'alice', doing: 'signing', profile: profileOfFamily('tpm2-pkcs11') });
    expect(tpm.code).toBe('pin-locked');
    expect(tpm.message).toMatch(/tpm2_dictionarylockout --clear-lockout/);
    expect(tpm.message).not.toMatch(/ykman|PUK/);
    const yubikey = explainPkcs11Failure(failure(ckr.PIN_LOCKED, 'CKR_PIN_LOCKED'), { token: 'alice', doing: 'signing', profile: profileOfFamily('ykcs11') });
    expect(yubikey.message).toMatch(/ykman piv access unblock-pin/);
  });

  it('a module that keeps failing is started again later and later, up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 30].map(backoffDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });
});

describe('what each family takes as a PIN, and what its own answers mean', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const yubihsm = profileOfFamily('yubihsm');
  const ykcs11 = profileOfFamily('ykcs11');

  it('a YubiHSM 2 PIN is the key id in 4 hex digits, then a password of 8 to 64 characters (yubihsm_pkcs11.c:6392-6397, 6444-6454)', () => {
    expect(yubihsm.pinFormatProblem!(bytes('0001password'), 'user')).toBeUndefined();
    expect(yubihsm.pinFormatProblem!(bytes('00ABpassword'), 'user')).toBeUndefined();
    for (const wrong of ['password', 'correct horse battery', '1234', '0001short']) expect(yubihsm.pinFormatProblem!(bytes(wrong), 'user')).toMatch(/0001password/);
    expect(yubihsm.keysAfterLogin).toBe(true);
    expect(yubihsm.pinFormat).toMatch(/authentication key id/);
  });

  it('a YubiKey PIN has 6 to 8 characters; as SO it takes the management key (ykcs11 token.c:305-376)', () => {
    expect(ykcs11.pinFormatProblem!(bytes('123456'), 'user')).toBeUndefined();
    expect(ykcs11.pinFormatProblem!(bytes('1234'), 'user')).toMatch(/6 to 8 characters/);
    expect(ykcs11.pinFormatProblem!(bytes('123456789'), 'context')).toMatch(/6 to 8 characters/);
    expect(ykcs11.pinFormatProblem!(bytes('010203040506070801020304050607080102030405060708'), 'so')).toBeUndefined();
    // A PIN-protected management key is unlocked with the PIN.
    expect(ykcs11.pinFormatProblem!(bytes('123456'), 'so')).toBeUndefined();
    expect(ykcs11.pinFormatProblem!(bytes('not a management key at all, clearly not'), 'so')).toMatch(/management key/);
    expect(ykcs11.publicKeyLabelOf!('Private key for Digital Signature')).toBe('Public key for Digital Signature');
    expect(ykcs11.publicKeyLabelOf!('release-signing')).toBeUndefined();
    expect(ykcs11.nonSigningKeyIds).toEqual([25]);
    expect([ykcs11.keygen, ykcs11.ed25519Params]).toEqual(['piv-slot', 'printable-string']);
    expect([profileOfFamily('softhsm2').keygen, profileOfFamily('softhsm2').ed25519Params, profileOfFamily('softhsm2').keysAfterLogin]).toEqual(['standard', 'oid', false]);
  });

  it('explains the families\' own answers: ykcs11 CKR_ARGUMENTS_BAD at login, CKR_USER_TYPE_INVALID at keygen; 16 YubiHSM sessions in use', () => {
    const login = explainPkcs11Failure({ code: ckr.ARGUMENTS_BAD, name: 'CKR_ARGUMENTS_BAD', method: 'C_Login' }, { token: 'YubiKey PIV #1', doing: 'signing', profile: ykcs11 });
    expect(login).toMatchObject({ code: 'pin-invalid', message: expect.stringMatching(/6 to 8 characters/) });
    expect(login.message).not.toMatch(/re-plug/);
    const keygen = explainPkcs11Failure({ code: ckr.USER_TYPE_INVALID, name: 'CKR_USER_TYPE_INVALID', method: 'C_GenerateKeyPair' }, { token: 'YubiKey PIV #1', doing: 'making a key', profile: ykcs11 });
    expect(keygen).toMatchObject({ code: 'pin-invalid', message: expect.stringMatching(/management key/) });
    const sessions = explainPkcs11Failure({ code: ckr.SESSION_COUNT, name: 'CKR_SESSION_COUNT', method: 'C_Login' }, { token: 'YubiHSM', doing: 'signing', profile: yubihsm });
    expect(sessions).toMatchObject({ code: 'token-error', message: expect.stringMatching(/16 sessions/) });
    // Elsewhere CKR_ARGUMENTS_BAD at login keeps its generic meaning.
    expect(explainPkcs11Failure({ code: ckr.ARGUMENTS_BAD, name: 'CKR_ARGUMENTS_BAD', method: 'C_Login' }, { token: 'alice', doing: 'signing', profile: profileOfFamily('softhsm2') }).code).toBe('token-error');
  });
});

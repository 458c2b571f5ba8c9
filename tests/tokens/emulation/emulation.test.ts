/**
 * The emulated vendor modules themselves (tests/support/pkcs11-emulation),
 * driven with pkcs11js as any PKCS#11 application would: they must answer
 * as the vendors' modules do (the upstream lines are cited in emulation.c),
 * or the tests of Conclave against them prove nothing. No Conclave code here.
 */
import pkcs11js from 'pkcs11js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultManagementKey, makeEmulationLab, yubihsmPin, yubikeyPin, type EmulationFamily, type EmulationLab } from '../../support/pkcs11-emulation';

let lab: EmulationLab;
let loaded: { pkcs11: pkcs11js.PKCS11; restore: () => void } | undefined;

beforeAll(() => {
  lab = makeEmulationLab();
  lab.addYubiKey({ serial: 12345678, holder: 'alice' });
  lab.addYubiHsm({ serial: 7550001, keys: [{ label: 'release-signing', objectId: 0x0064 }] });
});

afterAll(() => lab?.cleanup());

afterEach(() => {
  if (!loaded) return;
  try {
    loaded.pkcs11.C_Finalize();
  } finally {
    loaded.pkcs11.close();
    loaded.restore();
    loaded = undefined;
  }
});

/** Loads a family's module into this process with the lab's environment, as an application would. */
function load(family: EmulationFamily, extra: Record<string, string> = {}): pkcs11js.PKCS11 {
  const variables = lab.env(family, extra);
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load(lab.modules[family]);
  loaded = {
    pkcs11,
    restore: () => {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
  pkcs11.C_Initialize();
  return pkcs11;
}

/** The CKR_ name a call failed with, or "CKR_OK". */
function answer(call: () => unknown): string {
  try {
    call();
    return 'CKR_OK';
  } catch (error) {
    return /^CKR_\w+/.exec((error as Error).message)?.[0] ?? String(error);
  }
}

const { CKF_SERIAL_SESSION, CKF_RW_SESSION, CKU_USER, CKU_SO, CKA_CLASS, CKA_ID, CKA_LABEL, CKA_EC_POINT, CKA_EC_PARAMS, CKA_TOKEN, CKA_KEY_TYPE, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY } = pkcs11js;
const CKU_CONTEXT_SPECIFIC = 2;
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;

function findOne(pkcs11: pkcs11js.PKCS11, session: Buffer, template: pkcs11js.Template): Buffer[] {
  pkcs11.C_FindObjectsInit(session, template);
  const found = pkcs11.C_FindObjects(session, 100);
  pkcs11.C_FindObjectsFinal(session);
  return found;
}

describe('the ykcs11 emulation', () => {
  it('says what ykcs11 says of itself and of a YubiKey 5, and knows no slot before C_GetSlotList', () => {
    const pkcs11 = load('ykcs11');
    const info = pkcs11.C_GetInfo();
    expect(info.manufacturerID.trim()).toBe('Yubico (www.yubico.com)');
    expect(info.libraryDescription.trim()).toBe('PKCS#11 PIV Library (SP-800-73)');
    expect(answer(() => pkcs11.C_GetTokenInfo(Buffer.alloc(8)))).toBe('CKR_SLOT_ID_INVALID');
    const [slot, ...others] = pkcs11.C_GetSlotList(true);
    expect(others).toEqual([]);
    const token = pkcs11.C_GetTokenInfo(slot!);
    expect([token.label.trim(), token.model.trim(), token.serialNumber.trim(), token.maxSessionCount, token.minPinLen]).toEqual(['YubiKey PIV #12345678', 'YubiKey YK5', '12345678', 16, 6]);
  });

  it('answers C_GetSlotList with CKR_DEVICE_ERROR while pcscd is not running, and lists the YubiKey once it runs', () => {
    lab.pcscd.stop();
    try {
      const pkcs11 = load('ykcs11');
      expect(answer(() => pkcs11.C_GetSlotList(true))).toBe('CKR_DEVICE_ERROR');
      lab.pcscd.start();
      expect(pkcs11.C_GetSlotList(true)).toHaveLength(1);
    } finally {
      lab.pcscd.start();
    }
  });

  it('opens 16 sessions and refuses the 17th with CKR_SESSION_COUNT', () => {
    const pkcs11 = load('ykcs11');
    const [slot] = pkcs11.C_GetSlotList(true);
    const sessions = Array.from({ length: 16 }, () => pkcs11.C_OpenSession(slot!, CKF_SERIAL_SESSION));
    expect(answer(() => pkcs11.C_OpenSession(slot!, CKF_SERIAL_SESSION))).toBe('CKR_SESSION_COUNT');
    pkcs11.C_CloseSession(sessions[0]!);
    expect(answer(() => pkcs11.C_OpenSession(slot!, CKF_SERIAL_SESSION))).toBe('CKR_OK');
  });

  it('takes a PIN of 6 to 8 characters only, and CKU_CONTEXT_SPECIFIC only during a signature', () => {
    const pkcs11 = load('ykcs11');
    const [slot] = pkcs11.C_GetSlotList(true);
    const session = pkcs11.C_OpenSession(slot!, CKF_SERIAL_SESSION);
    expect(answer(() => pkcs11.C_Login(session, CKU_USER, '1234'))).toBe('CKR_ARGUMENTS_BAD');
    expect(answer(() => pkcs11.C_Login(session, CKU_CONTEXT_SPECIFIC, yubikeyPin))).toBe('CKR_USER_TYPE_INVALID');
    expect(answer(() => pkcs11.C_Login(session, CKU_USER, yubikeyPin))).toBe('CKR_OK');
    expect(answer(() => pkcs11.C_Login(session, CKU_USER, yubikeyPin))).toBe('CKR_USER_ALREADY_LOGGED_IN');
  });

  it('signs with 9c only after the PIN is given again for that signature (CKR_USER_NOT_LOGGED_IN otherwise); 9a needs no second PIN', () => {
    const pkcs11 = load('ykcs11');
    const [slot] = pkcs11.C_GetSlotList(true);
    const session = pkcs11.C_OpenSession(slot!, CKF_SERIAL_SESSION);
    pkcs11.C_Login(session, CKU_USER, yubikeyPin);
    const privateKey = (id: number) => findOne(pkcs11, session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_ID, value: Buffer.from([id]) }])[0]!;
    const digest = Buffer.alloc(32, 7);
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey(2));
    expect(answer(() => pkcs11.C_Sign(session, digest, Buffer.alloc(128)))).toBe('CKR_USER_NOT_LOGGED_IN');
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey(2));
    pkcs11.C_Login(session, CKU_CONTEXT_SPECIFIC, yubikeyPin);
    expect(pkcs11.C_Sign(session, digest, Buffer.alloc(128))).toHaveLength(64);
    pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey(1));
    expect(pkcs11.C_Sign(session, digest, Buffer.alloc(128))).toHaveLength(64);
    // As ykcs11 does, the private key shows its public point.
    const [publicKey] = findOne(pkcs11, session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_ID, value: Buffer.from([2]) }]);
    const point = (object: Buffer) => pkcs11.C_GetAttributeValue(session, object, [{ type: CKA_EC_POINT }])[0]!.value;
    expect(point(privateKey(2))).toEqual(point(publicKey!));
  });

  it('makes keys only as SO with the management key, in the slot the first byte of CKA_ID names, Ed25519 only as "edwards25519"', () => {
    const pkcs11 = load('ykcs11');
    const [slot] = pkcs11.C_GetSlotList(true);
    const session = pkcs11.C_OpenSession(slot!, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    const generate = (id: Buffer, params: Buffer) => () =>
      pkcs11.C_GenerateKeyPair(
        session,
        { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
        [{ type: CKA_ID, value: id }, { type: CKA_EC_PARAMS, value: params }, { type: CKA_KEY_TYPE, value: CKK_EC_EDWARDS }, { type: CKA_LABEL, value: 'ignored' }],
        [{ type: CKA_ID, value: id }, { type: CKA_TOKEN, value: true }],
      );
    const oid = Buffer.from('06032b6570', 'hex');
    const printable = Buffer.from('130c656477617264733235353139', 'hex');
    pkcs11.C_Login(session, CKU_USER, yubikeyPin);
    expect(answer(generate(Buffer.from([3]), printable))).toBe('CKR_USER_TYPE_INVALID');
    pkcs11.C_Logout(session);
    expect(answer(() => pkcs11.C_Login(session, CKU_SO, '0'.repeat(48)))).toBe('CKR_PIN_INCORRECT');
    pkcs11.C_Login(session, CKU_SO, defaultManagementKey);
    expect(answer(generate(Buffer.from([0x99, 3]), printable))).toBe('CKR_ATTRIBUTE_VALUE_INVALID');
    expect(answer(generate(Buffer.from([3]), oid))).toBe('CKR_ATTRIBUTE_VALUE_INVALID');
    expect(answer(generate(Buffer.from([3, 0x99, 0x42]), printable))).toBe('CKR_OK');
    const [made] = findOne(pkcs11, session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_ID, value: Buffer.from([3]) }]);
    expect(pkcs11.C_GetAttributeValue(session, made!, [{ type: CKA_LABEL }])[0]!.value!.toString()).toBe('Private key for Key Management');
  });
});

describe('the yubihsm_pkcs11 emulation', () => {
  it('says what yubihsm_pkcs11 says of itself and of the device', () => {
    const pkcs11 = load('yubihsm');
    const info = pkcs11.C_GetInfo();
    expect([info.manufacturerID.trim(), info.libraryDescription.trim()]).toEqual(['Yubico (www.yubico.com)', 'YubiHSM PKCS#11 Library']);
    const token = pkcs11.C_GetTokenInfo(pkcs11.C_GetSlotList(true)[0]!);
    expect([token.label.trim(), token.model.trim(), token.serialNumber.trim(), token.minPinLen]).toEqual(['YubiHSM', 'YubiHSM', '07550001', 8]);
  });

  it('finds no object at all before login, its keys after', () => {
    const pkcs11 = load('yubihsm');
    const session = pkcs11.C_OpenSession(pkcs11.C_GetSlotList(true)[0]!, CKF_SERIAL_SESSION);
    expect(findOne(pkcs11, session, [])).toEqual([]);
    expect(findOne(pkcs11, session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }])).toEqual([]);
    pkcs11.C_Login(session, CKU_USER, yubihsmPin);
    expect(findOne(pkcs11, session, [{ type: CKA_LABEL, value: 'release-signing' }])).toHaveLength(2);
  });

  it.each([
    ['the SO', CKU_SO, yubihsmPin, 'CKR_USER_TYPE_INVALID'],
    ['four digits', CKU_USER, '1234', 'CKR_ARGUMENTS_BAD'],
    // The length is checked first: "password" is key id "pass" and a 4-character password.
    ['the password "password" without the key id', CKU_USER, 'password', 'CKR_ARGUMENTS_BAD'],
    ['a longer password without the key id', CKU_USER, 'correct horse battery', 'CKR_PIN_INCORRECT'],
    ['a key id the device does not have', CKU_USER, '0002password', 'CKR_OBJECT_HANDLE_INVALID'],
    ['a wrong password', CKU_USER, '0001wrongpassword', 'CKR_PIN_INCORRECT'],
    ['the right key id and password', CKU_USER, yubihsmPin, 'CKR_OK'],
  ])('C_Login with %s answers as yubihsm_pkcs11 does', (_what, userType, pin, expected) => {
    const pkcs11 = load('yubihsm');
    const session = pkcs11.C_OpenSession(pkcs11.C_GetSlotList(true)[0]!, CKF_SERIAL_SESSION);
    expect(answer(() => pkcs11.C_Login(session, userType, pin))).toBe(expected);
  });

  it('refuses a login when the device\'s 16 sessions are taken by other applications, and keeps PKCS#11 sessions unlimited', () => {
    const pkcs11 = load('yubihsm', { PKCS11_EMULATION_DEVICE_SESSIONS_IN_USE: '16' });
    const slot = pkcs11.C_GetSlotList(true)[0]!;
    const sessions = Array.from({ length: 20 }, () => pkcs11.C_OpenSession(slot, CKF_SERIAL_SESSION));
    expect(answer(() => pkcs11.C_Login(sessions[19]!, CKU_USER, yubihsmPin))).toBe('CKR_SESSION_COUNT');
  });
});

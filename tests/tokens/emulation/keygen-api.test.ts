/**
 * Making a key on a YubiKey from the window (issue 13): through the core's API
 * as the window calls it (keys.generate with a PIV slot and the management
 * key, sent as bytes like a PIN), against the ykcs11 emulation
 * (tests/support/pkcs11-emulation: ykcs11's slots, SO login with the
 * management key, its own object labels).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../../electron/core';
import { dispatchCall } from '../../../electron/core/api/dispatch';
import { createCore } from '../../../electron/core/create-core';
import type { Token } from '../../../shared/api/contract';
import { defaultManagementKey, makeEmulationLab, yubikeyPin, type EmulatedYubiKey, type EmulationLab } from '../../support/pkcs11-emulation';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../../support/softhsm';

let lab: EmulationLab;
let yubikey: EmulatedYubiKey;
let softhsm: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;

beforeAll(() => {
  lab = makeEmulationLab();
  yubikey = lab.addYubiKey({ serial: 34567890, holder: 'alice' });
  softhsm = makeTokenFolder();
  softhsm.addToken('bob');
});

afterAll(() => {
  lab?.cleanup();
  softhsm?.cleanup();
});

beforeEach(() => {
  home = makeDataDir();
  lab.pcscd.start();
  core = createCore({
    dataDir: home.dir,
    shell: 'browser',
    version: 'test',
    modules: [
      { path: lab.modules.ykcs11, env: lab.env('ykcs11') },
      { path: softhsmModule!, env: softhsm.env },
    ],
  });
});

afterEach(async () => {
  await core.dispose();
  home.cleanup();
});

async function tokenLabelled(label: string): Promise<Token> {
  const snapshot = await core.handlers['tokens.list']({});
  const token = snapshot.modules.flatMap((module) => module.tokens).find((candidate) => candidate.label === label);
  if (!token) throw new Error(`no token ${label} in ${JSON.stringify(snapshot.modules.map((module) => [module.path, module.status, module.error]))}`);
  return token;
}

const managementKey = () => new Uint8Array(Buffer.from(defaultManagementKey));

describe('keys.generate on a YubiKey (ykcs11)', () => {
  it('the token says it makes keys in PIV slots; a SoftHSM2 token does not', async () => {
    expect(await tokenLabelled(yubikey.label)).toMatchObject({ keygen: 'piv-slot' });
    expect(await tokenLabelled('bob')).not.toHaveProperty('keygen');
  });

  it('makes an ECDSA P-256 key in slot 9d with the management key, which is wiped once sent', async () => {
    const token = await tokenLabelled(yubikey.label);
    const secret = managementKey();
    const result = await dispatchCall(core.handlers, 'keys.generate', { tokenUri: token.uri, label: 'Key Management', algorithm: 'ecdsa-p256', pin: secret, pivSlot: '9d' });
    if (!result.ok) throw new Error(result.error.message);
    // Slot 9d is CKA_ID 3; ykcs11 names the key after its slot.
    expect(result.value).toMatchObject({ id: '03', type: { kind: 'ecdsa', curve: 'P-256' }, hasPrivateKey: true });
    expect(lab.trace()).toContain('C_GenerateKeyPair -> 0x0');
    // Handled as a PIN is: overwritten (or moved to the token host, leaving nothing here) once the token answered.
    expect(secret.every((byte) => byte === 0)).toBe(true);
    // The new key is listed with the slot's others, and the keys already in 9a, 9c and 9e are untouched.
    const keys = await core.handlers['keys.list']({ tokenUri: token.uri });
    const byId = Object.fromEntries(keys.map((key) => [key.id, key]));
    expect(byId['03']?.publicKeyPem).toBe((result.value as { publicKeyPem: string }).publicKeyPem);
    expect(byId['02']?.publicKeyPem).toBe(yubikey.keys['9c'].publicKeyPem);
  });

  it('the PIN where the management key belongs: refused, saying a YubiKey makes keys with its management key', async () => {
    const token = await tokenLabelled(yubikey.label);
    const result = await dispatchCall(core.handlers, 'keys.generate', { tokenUri: token.uri, label: 'Key Management', algorithm: 'ecdsa-p256', pin: new Uint8Array(Buffer.from(yubikeyPin)), pivSlot: '9d' });
    expect(result).toMatchObject({ ok: false, error: { code: 'pin-invalid' } });
    expect(!result.ok && result.error.message).toMatch(/management key/);
  });

  it('a slot other than 9a/9c/9d/9e is not accepted by the contract', async () => {
    const token = await tokenLabelled(yubikey.label);
    const result = await dispatchCall(core.handlers, 'keys.generate', { tokenUri: token.uri, label: 'x', algorithm: 'ecdsa-p256', pin: managementKey(), pivSlot: 'f9' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('a PIV slot on a token without PIV slots (SoftHSM2): refused, nothing made, the PIN wiped', async () => {
    const token = await tokenLabelled('bob');
    const pin = new Uint8Array(Buffer.from('1234'));
    const result = await dispatchCall(core.handlers, 'keys.generate', { tokenUri: token.uri, label: 'release', algorithm: 'ecdsa-p256', pin, pivSlot: '9c' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(!result.ok && result.error.message).toMatch(/no PIV slots/);
    expect(pin.every((byte) => byte === 0)).toBe(true);
    expect(await core.handlers['keys.list']({ tokenUri: token.uri })).toEqual([]);
  });
});

/**
 * YubiKey PIV through ykcs11 (issue 13), with the emulated module
 * (tests/support/pkcs11-emulation: ykcs11's object layout, login rules and
 * errors over SoftHSM2), through the real `conclave` process. Two YubiKey 5s:
 * alice's (serial 12345678) and rita's, the release manager's (23456789),
 * each with keys in 9a, 9c (PIN always) and 9e (Ed25519), the organisation's
 * certificates for 9a and 9c, and ykcs11's attestation objects.
 *
 * The comment on a test says where the vendor behaviour it checks comes from.
 */
import { X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forkHostLauncher } from '../../../electron/core/tokens/host-process';
import { TokenService } from '../../../electron/core/tokens/token-service';
import type { TokenKey } from '../../../shared/api/contract';
import { defaultManagementKey, makeEmulationLab, yubikeyPin, type EmulatedYubiKey, type EmulationLab } from '../../support/pkcs11-emulation';
import { makeDataDir } from '../../support/softhsm';
import { assertBuilt, cliEnvironment, endsWith, openCeremony, trustedPolicy } from './support';

let lab: EmulationLab;
let alice: EmulatedYubiKey;
let rita: EmulatedYubiKey;
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;

/** Slot 9c's key by the URI a person writes: the token, then CKA_ID 2. */
const slot9c = (yubikey: EmulatedYubiKey) => `${yubikey.tokenUri};id=%02`;

beforeAll(() => {
  assertBuilt();
  lab = makeEmulationLab();
  alice = lab.addYubiKey({ serial: 12345678, holder: 'alice' });
  rita = lab.addYubiKey({ serial: 23456789, holder: 'rita' });
});

afterAll(() => lab?.cleanup());

beforeEach(() => {
  home = makeDataDir();
  env = cliEnvironment(lab, home.dir, ['ykcs11'], { YUBIKEY_PIN: yubikeyPin, WRONG_PIN: '654321', FOUR_DIGITS: '1234', MANAGEMENT_KEY: defaultManagementKey });
  lab.pcscd.start();
  writeFileSync(lab.tracePath, '');
  return () => home.cleanup();
});

async function keysOf(yubikey: EmulatedYubiKey): Promise<TokenKey[]> {
  return JSON.parse((await endsWith(env, ['keys', yubikey.tokenUri, '--json'], 0)).out) as TokenKey[];
}

describe('a YubiKey 5 through ykcs11', () => {
  it('conclave tokens shows it as ykcs11 does: "YubiKey PIV #serial", model YubiKey YK5, the serial', async () => {
    const run = await endsWith(env, ['tokens', '--json'], 0);
    const [module] = (JSON.parse(run.out) as { modules: { label: string; status: string; library?: { manufacturer: string }; tokens: { label: string; model: string; serial: string }[] }[] }).modules;
    expect(module).toMatchObject({ label: 'YubiKey (ykcs11)', status: 'ready', library: { manufacturer: 'Yubico (www.yubico.com)' } });
    const shown = module!.tokens.map(({ label, model, serial }) => ({ label, model, serial })).sort((a, b) => a.serial.localeCompare(b.serial));
    expect(shown).toEqual([
      { label: 'YubiKey PIV #12345678', model: 'YubiKey YK5', serial: '12345678' },
      { label: 'YubiKey PIV #23456789', model: 'YubiKey YK5', serial: '23456789' },
    ]);
  });

  it('conclave keys lists 9a, 9c and the Ed25519 key in 9e, each with the certificate that certifies it, never an attestation certificate', async () => {
    const keys = await keysOf(alice);
    const byId = Object.fromEntries(keys.map((key) => [key.id, key]));
    expect(byId['02']).toMatchObject({ type: { kind: 'ecdsa', curve: 'P-256' }, publicKeyPem: alice.keys['9c'].publicKeyPem });
    expect(byId['01']).toMatchObject({ publicKeyPem: alice.keys['9a'].publicKeyPem });
    // ykcs11 shows Ed25519 parameters as the PrintableString "edwards25519", not the OID.
    expect(byId['04']).toMatchObject({ type: { kind: 'ed25519' }, publicKeyPem: alice.keys['9e'].publicKeyPem });
    // "X.509 Certificate for PIV Attestation 9c" shares CKA_ID 2 with the key: the certificate shown must be the organisation's.
    const certificate = new X509Certificate(byId['02']!.certificatePem!);
    expect(certificate.subject).toBe('CN=alice');
    expect(certificate.raw.equals(Buffer.from(alice.signingCertificate))).toBe(true);
    for (const key of keys) if (key.certificatePem) expect(new X509Certificate(key.certificatePem).subject).not.toMatch(/Attestation/);
  });

  // Keys whose private key cannot sign (ykcs11 shows the f9 attestation key with CKA_SIGN false, yubico-piv-tool
  // ykcs11/objects.c:241-267) are left out of the signing keys; before login the ykcs11 profile knows CKA_ID 25 is f9's.
  it('conclave keys does not offer the device\'s attestation key (slot f9) as a key to sign releases with', async () => {
    const keys = await keysOf(alice);
    expect(keys.map((key) => key.id).sort()).toEqual(['01', '02', '04']);
  });

  it('conclave pubkey by the slot\'s CKA_ID prints the 9c public key', async () => {
    const run = await endsWith(env, ['pubkey', slot9c(alice)], 0);
    expect(run.out).toBe(alice.keys['9c'].publicKeyPem);
  });

  // A URI's object= matches ykcs11's private key label ("Private key for Digital Signature"), which ykcs11
  // shows only after login: the ykcs11 profile knows it names the slot of "Public key for Digital Signature" (yubico-piv-tool
  // ykcs11/objects.c:145-155).
  it('conclave pubkey finds the key by ykcs11\'s private key label, "Private key for Digital Signature"', async () => {
    const run = await endsWith(env, ['pubkey', `${alice.tokenUri};object=Private%20key%20for%20Digital%20Signature`], 0);
    expect(run.out).toBe(alice.keys['9c'].publicKeyPem);
  });
});

describe('signing with slot 9c (PIN policy always)', () => {
  let policyPath: string;

  beforeEach(async () => {
    policyPath = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 1,
      approvers: [{ id: 'alice', certificate: { roots: lab.releaseCa.rootPem, email: 'alice@example.com' } }],
      releaseManagers: [{ id: 'rita', publicKey: rita.keys['9c'].publicKeyPem }],
    });
  });

  it('a ceremony opened with rita\'s 9c key and approved with alice\'s: the PIN is given to the key again for every signature', async () => {
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    writeFileSync(lab.tracePath, '');
    const approved = await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 0);
    expect(approved.out).toMatch(/^Approved .*\(1 of 1 approvals: alice\)/m);
    // Every C_Sign of the approval came after a CKU_CONTEXT_SPECIFIC login since its C_SignInit (ykcs11 and the card refuse otherwise).
    const calls = lab.trace().filter((line) => /^C_(SignInit|Sign|Login CKU_CONTEXT_SPECIFIC) /.test(line));
    const signatures = calls.filter((line) => line.startsWith('C_Sign ->'));
    expect(signatures.length).toBeGreaterThanOrEqual(1);
    expect(signatures.every((line) => line === 'C_Sign -> 0x0')).toBe(true);
    expect(calls.join('\n')).toBe(Array.from({ length: signatures.length }, () => 'C_SignInit -> 0x0\nC_Login CKU_CONTEXT_SPECIFIC -> 0x0\nC_Sign -> 0x0').join('\n'));
    const view = JSON.parse((await endsWith(env, ['ceremony', 'show', id, '--json'], 0)).out) as { state: string };
    expect(view.state).toBe('approved');
  });

  // The token layer reads "X.509 Certificate for PIV Attestation 9c" and the device's "X.509 Certificate for
  // PIV Attestation" (id 25) with the key and hands them to the approval (CeremonySigner.attestation in the CLI).
  it('an approver whose policy entry requires an attested key: the approval counts and says where the key was made', async () => {
    const attestedPolicy = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 1,
      approvers: [{ id: 'alice', publicKey: alice.keys['9c'].publicKeyPem, attestation: { required: true, pin: 'always', roots: [lab.attestationCa.root.pem] } }],
      releaseManagers: [{ id: 'rita', publicKey: rita.keys['9c'].publicKeyPem }],
    });
    const id = await openCeremony(env, attestedPolicy, slot9c(rita), 'YUBIKEY_PIN');
    await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 0);
    const view = JSON.parse((await endsWith(env, ['ceremony', 'show', id, '--json'], 0)).out) as { state: string; attested?: Record<string, { description: string }> };
    expect(view.state).toBe('approved');
    expect(Object.values(view.attested ?? {}).map((attested) => attested.description)).toEqual(['key made on YubiKey 5 serial 12345678, touch always, PIN always']);
  });

  it('a wrong PIN: exit 4, the PIN is wrong and tries run low, the PIN is not echoed, nothing is approved', async () => {
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    const run = await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'WRONG_PIN', '--json'], 4);
    // A YubiKey allows 3 tries; ykcs11 sets CKF_USER_PIN_COUNT_LOW with exactly 2 left (ykcs11/ykcs11.c:587-601):
    // a script reading --json gets the number as well as the word.
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: { code: 'pin-incorrect', triesLeft: 'low', triesLeftCount: 2 } });
    expect(run.err).toMatch(/The PIN for token "YubiKey PIV #12345678" is wrong\. 2 tries are left before the token locks\./);
    expect(run.out + run.err).not.toContain('654321');
    expect((JSON.parse((await endsWith(env, ['ceremony', 'show', id, '--json'], 0)).out) as { approvals: unknown[] }).approvals).toEqual([]);
    // The token listing says the same number.
    expect((await endsWith(env, ['tokens'], 0)).out).toMatch(/YubiKey PIV #12345678 .*PIN: 2 tries left/);
    // And the window's (tokens.list, as tokens --json prints it): the number beside the status.
    type Listed = { modules: { tokens: { serial: string; pinStatus: string; pinTriesLeft?: number }[] }[] };
    const tokenOf = async () => (JSON.parse((await endsWith(env, ['tokens', '--json'], 0)).out) as Listed).modules[0]!.tokens.find((token) => token.serial === '12345678');
    expect(await tokenOf()).toMatchObject({ pinStatus: 'count-low', pinTriesLeft: 2 });
    // A second wrong PIN: FINAL_TRY, said as the last try, in the error and the listing.
    const again = await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'WRONG_PIN', '--json'], 4);
    expect(again.err).toMatch(/is wrong\. This is the last try: one more wrong PIN locks the token\./);
    expect(JSON.parse(again.out)).toMatchObject({ ok: false, error: { code: 'pin-incorrect', triesLeft: 'final', triesLeftCount: 1 } });
    expect(await tokenOf()).toMatchObject({ pinStatus: 'final-try' });
    expect((await endsWith(env, ['tokens'], 0)).out).toMatch(/YubiKey PIV #12345678 .*PIN: last try/);
    // The right PIN afterwards resets the device's counter and approves.
    await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 0);
  });

  // ykcs11's CKR_ARGUMENTS_BAD for a PIN outside 6-8 characters (yubico-piv-tool ykcs11/token.c:318-335) is
  // explained in the ykcs11 profile (which checks the length before C_Login); before: "… re-plug the token".
  it('a 4-digit PIN: Conclave says a YubiKey PIN has 6 to 8 characters, not "re-plug the token"', async () => {
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    const run = await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'FOUR_DIGITS'], 4);
    expect(run.err).toMatch(/6 to 8 (characters|digits)/);
    expect(run.err).not.toMatch(/re-plug/);
  });

  it('a touch: the command says to touch the key while it waits, and signs once touched', async () => {
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    const touched = join(home.dir, 'touched');
    const touchEnv = { ...env, PKCS11_EMULATION_TOUCH_FILE: touched };
    const run = await endsWith(touchEnv, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 0, {
      when: (err) => /Waiting for token YubiKey PIV #12345678 to sign: touch it/.test(err),
      then: () => writeFileSync(touched, ''),
    });
    expect(run.out).toMatch(/^Approved /m);
    expect(lab.trace()).toContain('touch: waiting');
  });

  // Removal while waiting (issue 13): the YubiKey pulled out while it blinks for a touch ends the wait with
  // CKR_DEVICE_REMOVED (ykpiv's PC/SC error, yubico-piv-tool ykcs11/utils.c:165-166), not a hang or "touch it".
  it('a YubiKey pulled out while it waits for a touch: exit 4, "removed", nothing approved, and it signs once back', async () => {
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    const touched = join(home.dir, 'touched');
    const removed = join(home.dir, 'removed');
    const waitEnv = { ...env, PKCS11_EMULATION_TOUCH_FILE: touched, PKCS11_EMULATION_REMOVE_FILE: removed };
    const run = await endsWith(waitEnv, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN', '--json'], 4, {
      when: (err) => /Waiting for token YubiKey PIV #12345678 to sign: touch it/.test(err),
      then: () => writeFileSync(removed, ''),
    });
    expect(lab.trace()).toContain('touch: removed');
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: { code: 'token-removed' } });
    expect(run.err).toMatch(/Token "YubiKey PIV #12345678" was removed or stopped answering while Conclave was signing\. Nothing was changed; plug it back in and try again\./);
    expect(run.err).not.toMatch(/touch it when it blinks/);
    expect((JSON.parse((await endsWith(env, ['ceremony', 'show', id, '--json'], 0)).out) as { approvals: unknown[] }).approvals).toEqual([]);
    // Plugged back in: the same approval goes through, and the PIN's tries were not spent.
    rmSync(removed);
    const again = await endsWith(waitEnv, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 0, {
      when: (err) => /Waiting for token YubiKey PIV #12345678 to sign: touch it/.test(err),
      then: () => writeFileSync(touched, ''),
    });
    expect(again.out).toMatch(/^Approved /m);
    expect((await endsWith(env, ['tokens'], 0)).out).not.toMatch(/YubiKey PIV #12345678 .*PIN:/);
  });

  it('a missed touch (ykcs11: CKR_USER_NOT_LOGGED_IN): exit 4 and advice to touch the key, nothing approved', async () => {
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    const run = await endsWith({ ...env, PKCS11_EMULATION_TOUCH: 'missed' }, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN', '--json'], 4);
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: { code: 'login-required' } });
    expect(run.err).toMatch(/did not confirm signing\. If it has a touch sensor, touch it/);
    expect((JSON.parse((await endsWith(env, ['ceremony', 'show', id, '--json'], 0)).out) as { approvals: unknown[] }).approvals).toEqual([]);
  });
});

describe('pcscd (the smart card service)', () => {
  it('not running: conclave tokens names pcscd and how to start it, not "re-plug the token"', async () => {
    lab.pcscd.stop();
    const run = await endsWith(env, ['tokens'], 1);
    expect(run.out).toMatch(/pcscd/);
    expect(run.out).toMatch(/systemctl start pcscd/);
    expect(run.out + run.err).not.toMatch(/re-plug/);
  });

  it('not running when alice approves: the command names pcscd, not the YubiKey', async () => {
    const policyPath = await trustedPolicy(env, home.dir, { version: 1, threshold: 1, approvers: [{ id: 'alice', publicKey: alice.keys['9c'].publicKeyPem }], releaseManagers: [{ id: 'rita', publicKey: rita.keys['9c'].publicKeyPem }] });
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    lab.pcscd.stop();
    // Exit 5: a service could not be reached.
    const run = await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 5);
    expect(run.err).toMatch(/pcscd/);
    expect(run.err).not.toMatch(/re-plug/);
  });

  it('started again: the token service finds the YubiKeys by itself', async () => {
    lab.pcscd.stop();
    const tokens = new TokenService(forkHostLauncher, { ...process.env, ...lab.env('ykcs11') }, undefined, undefined, { retryDelayMs: () => 100 });
    try {
      await tokens.addModule({ path: lab.modules.ykcs11, origin: 'discovered' });
      const [failed] = tokens.snapshotModules();
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'unavailable' } });
      expect(failed!.error!.message).toMatch(/pcscd/);
      const ready = new Promise<void>((resolve) => {
        const stop = tokens.onEvent(() => {
          if (tokens.snapshotModules()[0]?.status === 'ready') {
            stop();
            resolve();
          }
        });
      });
      lab.pcscd.start();
      await ready;
      expect(tokens.snapshotModules()[0]!.tokens.map((token) => token.label).sort()).toEqual(['YubiKey PIV #12345678', 'YubiKey PIV #23456789']);
    } finally {
      await tokens.dispose();
    }
  });
});

describe('sessions', () => {
  it('twenty requests at once on one YubiKey all succeed: ykcs11 has 16 sessions, and Conclave never needs more', async () => {
    const tokens = new TokenService(forkHostLauncher, { ...process.env, ...lab.env('ykcs11') });
    try {
      await tokens.addModule({ path: lab.modules.ykcs11, origin: 'discovered' });
      const uri = tokens.snapshotModules()[0]!.tokens.find((token) => token.label === alice.label)!.uri;
      const results = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? tokens.listKeys(uri) : tokens.login(uri, yubikeyPin))));
      expect(results.every((keys) => keys.some((key) => key.id === '02'))).toBe(true);
      expect(lab.trace().filter((line) => line.includes('CKR_SESSION_COUNT'))).toEqual([]);
    } finally {
      await tokens.dispose();
    }
  });
});

describe('key generation (ykcs11: in a PIV slot, with the management key)', () => {
  // keygen on ykcs11 puts the slot (here 9d, id=%03) in the first byte of CKA_ID, logs in as CKU_SO with the
  // management key (given here as the --pin-env value) and keeps ykcs11's labels (yubico-piv-tool ykcs11/objects.c:2753-2781,
  // ykcs11.c:3586-3591); before, it sent a random 8-byte CKA_ID and logged in as user.
  it('conclave keygen makes an ECDSA P-256 key in slot 9d with the management key', async () => {
    const run = await endsWith(env, ['keygen', `${alice.tokenUri};id=%03;object=Private%20key%20for%20Key%20Management`, '--alg', 'ecdsa-p256', '--pin-env', 'MANAGEMENT_KEY', '--json'], 0);
    expect(JSON.parse(run.out)).toMatchObject({ id: '03', type: { kind: 'ecdsa', curve: 'P-256' } });
    expect(lab.trace()).toContain('C_GenerateKeyPair -> 0x0');
  });

  // As above, with CKA_EC_PARAMS as the PrintableString "edwards25519" (ykcs11 refuses the OID,
  // yubico-piv-tool ykcs11/objects.c:2817-2826).
  it('conclave keygen makes an Ed25519 key in slot 9d with the management key', async () => {
    const run = await endsWith(env, ['keygen', `${alice.tokenUri};id=%03;object=Private%20key%20for%20Key%20Management`, '--alg', 'ed25519', '--pin-env', 'MANAGEMENT_KEY', '--json'], 0);
    expect(JSON.parse(run.out)).toMatchObject({ id: '03', type: { kind: 'ed25519' } });
  });

  // A YubiKey makes keys only with its management key: the PIN given as SO is CKR_USER_PIN_NOT_INITIALIZED without a
  // PIN-protected management key (yubico-piv-tool ykcs11/token.c:346-359), and CKR_USER_TYPE_INVALID from C_GenerateKeyPair
  // after a user login (ykcs11.c:3586-3591); the ykcs11 profile explains both.
  it('conclave keygen with the PIN says that a YubiKey makes keys with its management key', async () => {
    const run = await endsWith(env, ['keygen', `${alice.tokenUri};id=%03;object=new`, '--alg', 'ecdsa-p256', '--pin-env', 'YUBIKEY_PIN'], 4);
    expect(run.err).toMatch(/management key/);
  });
});

/**
 * YubiHSM 2 through yubihsm_pkcs11 (issue 13), with the emulated module
 * (tests/support/pkcs11-emulation): objects are invisible until logged in,
 * the PIN is the 4-hex-digit authentication key id followed by its password
 * ("0001password"), the device holds 16 authenticated sessions for every
 * application together. One YubiHSM (serial 7550001, shown as "07550001")
 * with a release-signing key (object 0x0064) and a release manager's key
 * (0x0065), through the real `conclave` process.
 *
 * The comment on a test says where the vendor behaviour it checks comes from.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenKey } from '../../../shared/api/contract';
import { makeEmulationLab, yubihsmPin, type EmulatedYubiHsm, type EmulationLab } from '../../support/pkcs11-emulation';
import { makeDataDir } from '../../support/softhsm';
import { assertBuilt, cliEnvironment, endsWith, openCeremony, trustedPolicy } from './support';

let lab: EmulationLab;
let hsm: EmulatedYubiHsm;
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;

const signingKey = () => `${hsm.tokenUri};object=release-signing`;
const managerKey = () => `${hsm.tokenUri};object=release-manager`;

beforeAll(() => {
  assertBuilt();
  lab = makeEmulationLab();
  hsm = lab.addYubiHsm({ serial: 7550001, keys: [{ label: 'release-signing', objectId: 0x0064 }, { label: 'release-manager', objectId: 0x0065 }] });
});

afterAll(() => lab?.cleanup());

beforeEach(() => {
  home = makeDataDir();
  env = cliEnvironment(lab, home.dir, ['yubihsm'], {
    HSM_PIN: yubihsmPin,
    WRONG_PASSWORD: '0001wrongpassword',
    PASSWORD_ONLY: 'password',
    LONG_PASSWORD_ONLY: 'correct horse battery',
    FOUR_DIGITS: '1234',
    OTHER_KEY_ID: '0002password',
  });
  writeFileSync(lab.tracePath, '');
  return () => home.cleanup();
});

async function openedCeremony(): Promise<string> {
  const policyPath = await trustedPolicy(env, home.dir, {
    version: 1,
    threshold: 1,
    approvers: [{ id: 'dave', publicKey: hsm.keys['release-signing']!.publicKeyPem }],
    releaseManagers: [{ id: 'rita', publicKey: hsm.keys['release-manager']!.publicKeyPem }],
  });
  return openCeremony(env, policyPath, managerKey(), 'HSM_PIN');
}

describe('a YubiHSM 2 through yubihsm_pkcs11', () => {
  it('conclave tokens shows it as yubihsm_pkcs11 does: label "YubiHSM", model "YubiHSM", serial in 8 digits', async () => {
    const run = await endsWith(env, ['tokens', '--json'], 0);
    const [module] = (JSON.parse(run.out) as { modules: { label: string; status: string; tokens: { label: string; model: string; serial: string; uri: string }[] }[] }).modules;
    expect(module).toMatchObject({ label: 'YubiHSM 2', status: 'ready' });
    expect(module!.tokens).toMatchObject([{ label: 'YubiHSM', model: 'YubiHSM', serial: '07550001' }]);
  });

  // The YubiHSM profile's PIN format is shown with the token (the CLI's token line, the window's PIN form):
  // the authentication key id in 4 hex digits, then the password, e.g. 0001password.
  it('conclave tokens tells the person what the PIN is: the authentication key id, then its password', async () => {
    const run = await endsWith(env, ['tokens'], 0);
    expect(run.out).toMatch(/0001password/);
    expect(run.out).toMatch(/authentication key id/i);
  });

  // Keys are listed after logging in on families whose objects are private until then (yubihsm_pkcs11
  // answers C_FindObjects with nothing before C_Login, yubihsm-shell pkcs11/yubihsm_pkcs11.c:2516-2524), with --pin-env on
  // `conclave keys` (families.ts: keysAfterLogin).
  it('conclave keys with the PIN lists the keys the YubiHSM shows after login', async () => {
    const keys = JSON.parse((await endsWith(env, ['keys', hsm.tokenUri, '--pin-env', 'HSM_PIN', '--json'], 0)).out) as TokenKey[];
    expect(keys.map((key) => [key.label, key.id, key.publicKeyPem])).toEqual([
      ['release-manager', '0065', hsm.keys['release-manager']!.publicKeyPem],
      ['release-signing', '0064', hsm.keys['release-signing']!.publicKeyPem],
    ]);
  });

  // Without a PIN: a YubiHSM shows its keys only after login, and the PIN's format is said.
  it('conclave keys without a PIN says the keys appear after login, and what the PIN is, not "No keys on this token"', async () => {
    const run = await endsWith(env, ['keys', hsm.tokenUri], 0);
    expect(run.out).not.toMatch(/No keys on this token/);
    expect(run.out + run.err).toMatch(/log(ged)? ?in/i);
    expect(run.out + run.err).toMatch(/0001password/);
  });

  // pubkey (and every key lookup) logs in first on the YubiHSM.
  it('conclave pubkey with the PIN prints the key\'s public key', async () => {
    const run = await endsWith(env, ['pubkey', signingKey(), '--pin-env', 'HSM_PIN'], 0);
    expect(run.out).toBe(hsm.keys['release-signing']!.publicKeyPem);
  });
});

describe('a ceremony with keys on the YubiHSM', () => {
  // Signing logs in before looking the key up (see above); before, opening failed with
  // 'Token "YubiHSM" has no key labelled "release-manager"'.
  it('opened with the release manager\'s key and approved with the signing key, both logged in with 0001password', async () => {
    const id = await openedCeremony();
    const approved = await endsWith(env, ['ceremony', 'approve', id, '--key', signingKey(), '--pin-env', 'HSM_PIN'], 0);
    expect(approved.out).toMatch(/^Approved .*\(1 of 1 approvals: dave\)/m);
    // yubihsm_pkcs11 took the key id off the PIN and the device checked the password.
    expect(lab.trace()).toContain('C_Login CKU_USER -> 0x0');
  });

  // The login before the lookup (above): the wrong password reads CKR_PIN_INCORRECT.
  it('a wrong password: exit 4, the PIN is wrong; nothing echoed', async () => {
    const id = await openedCeremony();
    const run = await endsWith(env, ['ceremony', 'approve', id, '--key', signingKey(), '--pin-env', 'WRONG_PASSWORD', '--json'], 4);
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: { code: 'pin-incorrect' } });
    expect(run.out + run.err).not.toContain('wrongpassword');
  });

  // The YubiHSM profile explains its login errors (and checks the format first): without the 4-hex-digit key id the module answers
  // CKR_ARGUMENTS_BAD when what follows the first four characters is not 8 to 64 long (yubihsm_pkcs11.c:6392-6397:
  // "password" is key id "pass" and password "word"), else CKR_PIN_INCORRECT ("corr" is not hex, 6448-6454).
  it.each([
    ['"password" alone', 'PASSWORD_ONLY'],
    ['a longer password alone', 'LONG_PASSWORD_ONLY'],
    ['four digits', 'FOUR_DIGITS'],
  ])('%s as the PIN: Conclave says the PIN is the key id in 4 hex digits followed by the password', async (_what, variable) => {
    const id = await openedCeremony();
    const run = await endsWith(env, ['ceremony', 'approve', id, '--key', signingKey(), '--pin-env', variable], 4);
    expect(run.err).toMatch(/0001password/);
    expect(run.err).not.toMatch(/re-plug/);
  });

  // CKR_OBJECT_HANDLE_INVALID from C_Login (no authentication key with that id: the device answers
  // "object not found", yubihsm-shell pkcs11/util_pkcs11.c:130-131) is explained as such on the YubiHSM.
  it('an authentication key id the device does not have: Conclave says there is no authentication key 0002', async () => {
    const id = await openedCeremony();
    const run = await endsWith(env, ['ceremony', 'approve', id, '--key', signingKey(), '--pin-env', 'OTHER_KEY_ID'], 4);
    expect(run.err).toMatch(/authentication key.*0002/i);
  });

  // CKR_SESSION_COUNT from C_Login (YHR_DEVICE_SESSIONS_FULL: the device's 16 authenticated sessions are taken by
  // other applications, yubihsm-shell lib/yubihsm.h:108, pkcs11/util_pkcs11.c:118-119) is explained as such.
  it('all 16 device sessions in use by other applications: Conclave says so, not "re-plug"', async () => {
    const id = await openedCeremony();
    const run = await endsWith({ ...env, PKCS11_EMULATION_DEVICE_SESSIONS_IN_USE: '16' }, ['ceremony', 'approve', id, '--key', signingKey(), '--pin-env', 'HSM_PIN'], 4);
    expect(run.err).toMatch(/16 sessions|sessions? (are|is) (all )?in use/i);
    expect(run.err).not.toMatch(/re-plug/);
  });
});

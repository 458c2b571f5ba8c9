/**
 * A token pulled out while it signs (issue 13): the signer is told the token
 * was removed, not "re-plug" or a generic failure, and what the ceremony has
 * collected so far stays. Through the real `conclave` process, with the
 * ykcs11 emulation: three YubiKeys, rita's (the release manager's), alice's
 * and bob's, each with a key in slot 9c; the policy wants both approvals.
 * Bob's YubiKey is pulled out while it waits for his touch (ykcs11 answers
 * CKR_DEVICE_REMOVED, ykpiv's PC/SC error, yubico-piv-tool ykcs11/utils.c:165-166).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeEmulationLab, yubikeyPin, type EmulatedYubiKey, type EmulationLab } from '../../support/pkcs11-emulation';
import { makeDataDir } from '../../support/softhsm';
import { assertBuilt, cliEnvironment, endsWith, openCeremony, trustedPolicy } from './support';

let lab: EmulationLab;
let rita: EmulatedYubiKey;
let alice: EmulatedYubiKey;
let bob: EmulatedYubiKey;
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;

const slot9c = (yubikey: EmulatedYubiKey) => `${yubikey.tokenUri};id=%02`;

interface CeremonyView {
  state: string;
  tally?: string;
  approvals: { approver?: string; id?: string }[];
}

beforeAll(() => {
  assertBuilt();
  lab = makeEmulationLab();
  rita = lab.addYubiKey({ serial: 11110001, holder: 'rita' });
  alice = lab.addYubiKey({ serial: 11110002, holder: 'alice' });
  bob = lab.addYubiKey({ serial: 11110003, holder: 'bob' });
});

afterAll(() => lab?.cleanup());

beforeEach(() => {
  home = makeDataDir();
  env = cliEnvironment(lab, home.dir, ['ykcs11'], { YUBIKEY_PIN: yubikeyPin });
  lab.pcscd.start();
  writeFileSync(lab.tracePath, '');
  return () => home.cleanup();
});

const show = async (id: string): Promise<CeremonyView> => JSON.parse((await endsWith(env, ['ceremony', 'show', id, '--json'], 0)).out) as CeremonyView;

describe('a token removed while it signs an approval', () => {
  it('says the token was removed, keeps alice\'s approval, and bob approves once his YubiKey is back', async () => {
    const policyPath = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: alice.keys['9c'].publicKeyPem },
        { id: 'bob', publicKey: bob.keys['9c'].publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', publicKey: rita.keys['9c'].publicKeyPem }],
    });
    const id = await openCeremony(env, policyPath, slot9c(rita), 'YUBIKEY_PIN');
    await endsWith(env, ['ceremony', 'approve', id, '--key', slot9c(alice), '--pin-env', 'YUBIKEY_PIN'], 0);
    const before = await show(id);
    expect(before.approvals).toHaveLength(1);
    expect(before.tally).toBe('1 of 2 approvals');

    const touched = join(home.dir, 'touched');
    const removed = join(home.dir, 'removed');
    const waitEnv = { ...env, PKCS11_EMULATION_TOUCH_FILE: touched, PKCS11_EMULATION_REMOVE_FILE: removed };
    const run = await endsWith(waitEnv, ['ceremony', 'approve', id, '--key', slot9c(bob), '--pin-env', 'YUBIKEY_PIN', '--json'], 4, {
      when: (err) => new RegExp(`Waiting for token ${bob.label} to sign: touch it`).test(err),
      then: () => writeFileSync(removed, ''),
    });
    expect(lab.trace()).toContain('touch: removed');
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: { code: 'token-removed' } });
    expect(run.err).toContain(`Token "${bob.label}" was removed or stopped answering while Conclave was signing. Nothing was changed; plug it back in and try again.`);
    expect(run.err).not.toMatch(/re-plug|Something went wrong/);

    // What the ceremony had collected is as it was: alice's approval, still counted.
    const after = await show(id);
    expect(after.state).toBe(before.state);
    expect(after.approvals).toEqual(before.approvals);
    expect(after.tally).toBe(before.tally);

    // Plugged back in: bob's approval goes through and, with alice's, meets the policy.
    rmSync(removed);
    const again = await endsWith(waitEnv, ['ceremony', 'approve', id, '--key', slot9c(bob), '--pin-env', 'YUBIKEY_PIN'], 0, {
      when: (err) => new RegExp(`Waiting for token ${bob.label} to sign: touch it`).test(err),
      then: () => writeFileSync(touched, ''),
    });
    expect(again.out).toMatch(/^Approved .*\(2 of 2 approvals: alice, bob\)/m);
    expect((await show(id)).state).toBe('approved');
  });
});

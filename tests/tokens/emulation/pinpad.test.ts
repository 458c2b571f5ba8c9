/**
 * A reader with a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH, issue 13),
 * emulated over SoftHSM2 (tests/support/pkcs11-emulation): C_Login takes a
 * NULL PIN and the person types it on the reader. Through the real
 * `conclave` process: the token is shown as having a PIN pad, and a ceremony
 * is approved with the PIN typed on the reader, with no prompt or variable.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeEmulationLab, type EmulationLab, type MadeKey } from '../../support/pkcs11-emulation';
import { makeDataDir } from '../../support/softhsm';
import { assertBuilt, cliEnvironment, endsWith, openCeremony, trustedPolicy } from './support';

const pin = '246810';
let lab: EmulationLab;
let reader: { tokenUri: string; keys: Record<string, MadeKey> };
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;

beforeAll(() => {
  assertBuilt();
  lab = makeEmulationLab();
  reader = lab.addPinPadToken({ label: 'grace', pin, keys: ['release-signing', 'release-manager'] });
});

afterAll(() => lab?.cleanup());

beforeEach(() => {
  home = makeDataDir();
  env = cliEnvironment(lab, home.dir, ['pinpad']);
  writeFileSync(lab.tracePath, '');
  return () => home.cleanup();
});

describe('a token behind a PIN-pad reader', () => {
  it('conclave tokens shows that its PIN is entered on the reader', async () => {
    const run = await endsWith(env, ['tokens'], 0);
    expect(run.out).toMatch(/^ {2}grace .*PIN pad/m);
  });

  it('approving: the command asks for no PIN, says to enter it on the reader, and signs once it is typed there', async () => {
    const policyPath = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 1,
      approvers: [{ id: 'grace', publicKey: reader.keys['release-signing']!.publicKeyPem }],
      releaseManagers: [{ id: 'rita', publicKey: reader.keys['release-manager']!.publicKeyPem }],
    });
    // The release manager types the PIN on the reader at once.
    const id = await openCeremony({ ...env, PKCS11_EMULATION_PINPAD_PIN: pin }, policyPath, `${reader.tokenUri};object=release-manager`);
    writeFileSync(lab.tracePath, '');
    const typed = join(home.dir, 'typed-on-the-pad');
    const run = await endsWith({ ...env, PKCS11_EMULATION_PINPAD_FILE: typed }, ['ceremony', 'approve', id, '--key', `${reader.tokenUri};object=release-signing`], 0, {
      when: (err) => /Waiting for token grace to sign: enter the PIN on the reader/.test(err),
      then: () => writeFileSync(typed, `${pin}\n`),
    });
    expect(run.out).toMatch(/^Approved .*\(1 of 1 approvals: grace\)/m);
    // The module got no PIN from Conclave: C_Login with NULL, the PIN came from the reader.
    expect(lab.trace()).toContain('C_Login CKU_USER (no PIN) -> 0x0');
    expect(lab.trace().filter((line) => line.startsWith('C_Login') && !line.includes('(no PIN)'))).toEqual([]);
  });

  // An approval's signatures (the statement's and the event's) share one C_Login: the token host keeps the
  // command's login between them (TokenService.holdLogin), so the reader asks for the PIN once.
  it('approving asks for the PIN on the reader once', async () => {
    const policyPath = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 1,
      approvers: [{ id: 'grace', publicKey: reader.keys['release-signing']!.publicKeyPem }],
      releaseManagers: [{ id: 'rita', publicKey: reader.keys['release-manager']!.publicKeyPem }],
    });
    const id = await openCeremony({ ...env, PKCS11_EMULATION_PINPAD_PIN: pin }, policyPath, `${reader.tokenUri};object=release-manager`);
    writeFileSync(lab.tracePath, '');
    await endsWith({ ...env, PKCS11_EMULATION_PINPAD_PIN: pin }, ['ceremony', 'approve', id, '--key', `${reader.tokenUri};object=release-signing`], 0);
    expect(lab.trace().filter((line) => line.startsWith('C_Login'))).toEqual(['C_Login CKU_USER (no PIN) -> 0x0']);
  });
});

/**
 * YubiHSM 2 key generation and attestation certificates (issue 13), with the
 * emulated yubihsm_pkcs11 (tests/support/pkcs11-emulation: objects only after
 * login, its key generation templates), through the real `conclave` process.
 *
 * yubihsm_pkcs11 offers no attestation call: yubihsm-shell's
 * sign-attestation-certificate makes the certificate, and a person may store
 * it on the device with the key's object id, where the module shows it as the
 * key's certificate. Here the key "attested-signing" has one.
 *
 * The comment on a test says where the vendor behaviour it checks comes from.
 */
import { X509Certificate } from 'node:crypto';
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

beforeAll(() => {
  assertBuilt();
  lab = makeEmulationLab();
  hsm = lab.addYubiHsm({
    serial: 7550002,
    keys: [
      { label: 'release-manager', objectId: 0x0065 },
      { label: 'attested-signing', objectId: 0x0066, attested: true },
    ],
  });
});

afterAll(() => lab?.cleanup());

beforeEach(() => {
  home = makeDataDir();
  env = cliEnvironment(lab, home.dir, ['yubihsm'], { HSM_PIN: yubihsmPin });
  writeFileSync(lab.tracePath, '');
  return () => home.cleanup();
});

const keysOnHsm = async (): Promise<TokenKey[]> => JSON.parse((await endsWith(env, ['keys', hsm.tokenUri, '--pin-env', 'HSM_PIN', '--json'], 0)).out) as TokenKey[];

describe('conclave keygen on a YubiHSM 2', () => {
  // Logged in with the authentication key id and password (the YubiHSM profile), as yubihsm_pkcs11 wants for
  // C_GenerateKeyPair (an authenticated session, yubihsm-shell pkcs11/yubihsm_pkcs11.c:5454-5457).
  it('makes an ECDSA P-256 key, listed after login with the public key keygen printed', async () => {
    const made = JSON.parse((await endsWith(env, ['keygen', `${hsm.tokenUri};object=build-signing`, '--alg', 'ecdsa-p256', '--pin-env', 'HSM_PIN', '--json'], 0)).out) as TokenKey;
    expect(made).toMatchObject({ label: 'build-signing', type: { kind: 'ecdsa', curve: 'P-256' }, hasPrivateKey: true });
    expect(lab.trace()).toContain('C_GenerateKeyPair -> 0x0');
    const listed = (await keysOnHsm()).find((key) => key.label === 'build-signing');
    expect(listed?.publicKeyPem).toBe(made.publicKeyPem);
  });

  // yubihsm_pkcs11 takes Ed25519 parameters only as the PrintableString "edwards25519"; the OID is
  // CKR_CURVE_NOT_SUPPORTED (yubihsm-shell pkcs11/util_pkcs11.c:69-81, parse_edparams 4370-4379).
  it('makes an Ed25519 key (parameters as yubihsm_pkcs11 takes them), and it signs a ceremony', async () => {
    const made = JSON.parse((await endsWith(env, ['keygen', `${hsm.tokenUri};object=ed-signing`, '--alg', 'ed25519', '--pin-env', 'HSM_PIN', '--json'], 0)).out) as TokenKey;
    expect(made).toMatchObject({ label: 'ed-signing', type: { kind: 'ed25519' } });
    expect(lab.trace()).not.toContain('C_GenerateKeyPair -> 0x140');
    const policyPath = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 1,
      approvers: [{ id: 'erin', publicKey: made.publicKeyPem }],
      releaseManagers: [{ id: 'rita', publicKey: hsm.keys['release-manager']!.publicKeyPem }],
    });
    const id = await openCeremony(env, policyPath, `${hsm.tokenUri};object=release-manager`, 'HSM_PIN');
    const approved = await endsWith(env, ['ceremony', 'approve', id, '--key', `${hsm.tokenUri};object=ed-signing`, '--pin-env', 'HSM_PIN'], 0);
    expect(approved.out).toMatch(/^Approved .*\(1 of 1 approvals: erin\)/m);
  });

  it('a label the YubiHSM already has: refused before anything is made', async () => {
    const run = await endsWith(env, ['keygen', `${hsm.tokenUri};object=release-manager`, '--alg', 'ecdsa-p256', '--pin-env', 'HSM_PIN'], 4);
    expect(run.err).toMatch(/already has a key labelled "release-manager"/);
    expect(lab.trace()).not.toContain('C_GenerateKeyPair -> 0x0');
  });
});

describe('an attestation certificate stored with the key on a YubiHSM 2', () => {
  it('is never taken for the signer\'s certificate: the key is listed without one', async () => {
    // The stored certificate is what yubihsm-shell made: it certifies this key's public key, with Yubico's YubiHSM extensions.
    const attestation = new X509Certificate(Buffer.from(hsm.attestations['attested-signing']!));
    expect(attestation.publicKey.export({ type: 'spki', format: 'pem' })).toBe(hsm.keys['attested-signing']!.publicKeyPem);
    const key = (await keysOnHsm()).find((candidate) => candidate.label === 'attested-signing');
    expect(key).toMatchObject({ id: '0066', publicKeyPem: hsm.keys['attested-signing']!.publicKeyPem });
    expect(key).not.toHaveProperty('certificatePem');
  });

  it('the attested key signs as the key it is, named by its object id', async () => {
    const policyPath = await trustedPolicy(env, home.dir, {
      version: 1,
      threshold: 1,
      approvers: [{ id: 'dave', publicKey: hsm.keys['attested-signing']!.publicKeyPem }],
      releaseManagers: [{ id: 'rita', publicKey: hsm.keys['release-manager']!.publicKeyPem }],
    });
    const id = await openCeremony(env, policyPath, `${hsm.tokenUri};object=release-manager`, 'HSM_PIN');
    const approved = await endsWith(env, ['ceremony', 'approve', id, '--key', `${hsm.tokenUri};id=%00%66`, '--pin-env', 'HSM_PIN'], 0);
    expect(approved.out).toMatch(/^Approved .*\(1 of 1 approvals: dave\)/m);
  });
});

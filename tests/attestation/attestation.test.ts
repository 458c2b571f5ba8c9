/**
 * Verifying YubiKey PIV attestations (issue 13, shared/attestation) against a
 * test attestation CA made with openssl: what a valid one states, and each way
 * a chain, a key or a policy is refused, by code. Plus the Yubico root that
 * Conclave ships.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAlgorithmSignatureVerifier, nodeDigester } from '../../electron/core/crypto/node-crypto';
import { AttestationError, checkYubiKeyAttestation, verifyYubiKeyAttestation, yubicoPivAttestationRoot, yubicoPivAttestationRootPem, yubicoPivAttestationRootSha256, type AttestationRequirement } from '../../shared/attestation';
import { parseCertificate } from '../../shared/x509/certificate';
import { checkSignedBy } from '../../shared/x509/signed-by';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { makeAttestationCa, type AttestationCa, type CaCertificate, type SlotOptions } from './support/attestation-ca';

let ca: AttestationCa;
let device: CaCertificate;
let alice: TestKey;
let requirement: AttestationRequirement;
const dependencies = { algorithmVerifier: nodeAlgorithmSignatureVerifier, digester: nodeDigester };

beforeAll(() => {
  ca = makeAttestationCa();
  device = ca.device('alice-yubikey');
  alice = makeTestKey('ecdsa-p256');
  requirement = { required: true, touch: 'any', pin: 'any', roots: [ca.root.der], ownRoots: true };
});
afterAll(() => ca?.cleanup());

const input = (certificate: Uint8Array, intermediate = device.der, key = alice) => ({ certificate, intermediate, publicKeyInfo: key.spki, whose: "alice's key" });
const attest = (options: Partial<SlotOptions> = {}, key = alice, by = device) => ca.attest(by, key.publicKeyPem, { serial: 1234567, ...options });

async function refusal(promise: Promise<unknown>): Promise<AttestationError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AttestationError);
  return error as AttestationError;
}

describe('a valid attestation', () => {
  it('states the serial, firmware, policies, form factor and slot, and says so in words', async () => {
    const attested = await checkYubiKeyAttestation(input(attest({ firmware: [5, 4, 3], pin: 2, touch: 2, formFactor: 0x03, slot: '9c' })), requirement, dependencies);
    expect(attested).toMatchObject({ serial: 1234567, firmware: { major: 5, minor: 4, patch: 3 }, pinPolicy: 'once', touchPolicy: 'always', formFactor: 3, model: 'YubiKey 5', slot: '9c' });
    expect(attested.description).toBe('key made on YubiKey 5 serial 1234567, touch always, PIN once');
    expect(attested.root.der).toEqual(ca.root.der);
  });

  it('reads every policy Yubico defines, and names FIPS and Bio devices', async () => {
    const cases: [Partial<SlotOptions>, Record<string, unknown>][] = [
      [{ pin: 1, touch: 1 }, { pinPolicy: 'never', touchPolicy: 'never' }],
      [{ pin: 3, touch: 3 }, { pinPolicy: 'always', touchPolicy: 'cached' }],
      [{ pin: 5, touch: 2, formFactor: 0x07 }, { pinPolicy: 'match-always', model: 'YubiKey Bio' }],
      [{ formFactor: 0x84 }, { model: 'YubiKey 5 FIPS' }],
      [{ firmware: [4, 3, 5] }, { model: 'YubiKey 4' }],
      [{ serial: 4294967295 }, { serial: 4294967295 }],
    ];
    for (const [options, expected] of cases) expect(await verifyYubiKeyAttestation(input(attest(options)), requirement, dependencies)).toMatchObject(expected);
  });

  it('accepts a device certificate without basicConstraints, as YubiKey 4 devices carry', async () => {
    const older = ca.device('yubikey-4', { noBasicConstraints: true });
    const attested = await verifyYubiKeyAttestation(input(attest({ firmware: [4, 3, 5] }, alice, older), older.der), requirement, dependencies);
    expect(attested.serial).toBe(1234567);
  });
});

describe('refused attestations', () => {
  it('a forged chain: the device certificate signed by another CA under the root\'s name (attestation-untrusted)', async () => {
    const forged = ca.device('forged', { issuer: 'impostor' });
    const error = await refusal(verifyYubiKeyAttestation(input(attest({}, alice, forged), forged.der), requirement, dependencies));
    expect(error.code).toBe('attestation-untrusted');
    expect(error.message).toMatch(/^The attestation of alice's key does not chain to the attestation roots the policy names: .*that root's key did not sign it/);
  });

  it('a device of another CA altogether (attestation-untrusted)', async () => {
    const foreign = ca.device('foreign', { issuer: 'other' });
    const error = await refusal(verifyYubiKeyAttestation(input(attest({}, alice, foreign), foreign.der), requirement, dependencies));
    expect(error.code).toBe('attestation-untrusted');
    expect(error.message).toMatch(/issued by "CN=Some Other Attestation Root", which is not a trusted attestation root/);
  });

  it('by default, only Yubico\'s root is trusted: the test CA is not', async () => {
    const error = await refusal(verifyYubiKeyAttestation(input(attest()), { roots: [yubicoPivAttestationRoot()], ownRoots: false }, dependencies));
    expect(error.code).toBe('attestation-untrusted');
    expect(error.message).toMatch(/^The attestation of alice's key does not chain to Yubico's PIV attestation root: /);
  });

  it('a slot attestation sent with another device\'s certificate (attestation-untrusted)', async () => {
    const other = ca.device('bob-yubikey');
    const error = await refusal(verifyYubiKeyAttestation(input(attest(), other.der), requirement, dependencies));
    expect(error.code).toBe('attestation-untrusted');
  });

  it('a device certificate that says CA:FALSE (attestation-untrusted)', async () => {
    const notCa = ca.device('not-ca', { notCa: true });
    expect((await refusal(verifyYubiKeyAttestation(input(attest({}, alice, notCa), notCa.der), requirement, dependencies))).code).toBe('attestation-untrusted');
  });

  it('another key\'s genuine attestation, sent with alice\'s key (attestation-key-mismatch)', async () => {
    const mallory = makeTestKey('ecdsa-p256');
    const error = await refusal(verifyYubiKeyAttestation(input(attest({ serial: 999 }, mallory)), requirement, dependencies));
    expect(error.code).toBe('attestation-key-mismatch');
    expect(error.message).toMatch(/is for another key/);
  });

  it('a slot certificate without Yubico\'s facts, or with malformed ones (attestation-malformed)', async () => {
    const cases: Partial<SlotOptions>[] = [
      { omit: ['7'] },
      { omit: ['8'] },
      { omit: ['3'] },
      { raw: { '7': 'DER:02:01:ff' } },
      { raw: { '7': 'DER:04:01:01' } },
      { raw: { '7': 'DER:02:05:01:00:00:00:00' } },
      { raw: { '8': 'DER:02' } },
      { raw: { '8': 'DER:09:02' } },
      { raw: { '3': 'DER:05:04' } },
    ];
    for (const options of cases) {
      const error = await refusal(verifyYubiKeyAttestation(input(attest(options)), requirement, dependencies));
      expect(error.code, JSON.stringify(options)).toBe('attestation-malformed');
    }
  });

  it('bytes that are not a certificate (attestation-malformed)', async () => {
    expect((await refusal(verifyYubiKeyAttestation(input(new Uint8Array([0x30, 0x03, 1, 2, 3])), requirement, dependencies))).code).toBe('attestation-malformed');
  });

  it('touch never where the policy asks for touch always; PIN never where it asks for PIN once (attestation-policy-unmet)', async () => {
    const touch = await refusal(checkYubiKeyAttestation(input(attest({ touch: 1 })), { ...requirement, touch: 'always' }, dependencies));
    expect(touch.code).toBe('attestation-policy-unmet');
    expect(touch.message).toMatch(/^Alice's key was made on YubiKey 5 serial 1234567 with touch never, where the policy asks for touch always\. .*--touch-policy ALWAYS/);
    const pin = await refusal(checkYubiKeyAttestation(input(attest({ pin: 1 })), { ...requirement, pin: 'once' }, dependencies));
    expect(pin.code).toBe('attestation-policy-unmet');
  });

  it('touch cached meets "cached" but not "always"; a fingerprint every time meets PIN "always"', async () => {
    await expect(checkYubiKeyAttestation(input(attest({ touch: 3 })), { ...requirement, touch: 'cached' }, dependencies)).resolves.toMatchObject({ touchPolicy: 'cached' });
    expect((await refusal(checkYubiKeyAttestation(input(attest({ touch: 3 })), { ...requirement, touch: 'always' }, dependencies))).code).toBe('attestation-policy-unmet');
    await expect(checkYubiKeyAttestation(input(attest({ pin: 5 })), { ...requirement, pin: 'always' }, dependencies)).resolves.toMatchObject({ pinPolicy: 'match-always' });
  });
});

describe("Yubico's PIV attestation root, as shipped", () => {
  it('parses, is self-signed by its own key, and is the certificate Yubico publishes (by fingerprint)', async () => {
    const root = parseCertificate(yubicoPivAttestationRoot());
    expect(root.subject.rfc4514).toBe('CN=Yubico PIV Root CA Serial 263751');
    expect(root.issuer.rfc4514).toBe(root.subject.rfc4514);
    expect(root.basicConstraints).toEqual({ ca: true, pathLen: 1 });
    expect(await checkSignedBy(root, root, nodeAlgorithmSignatureVerifier)).toBe('valid');
    expect(createHash('sha256').update(root.der).digest('hex')).toBe(yubicoPivAttestationRootSha256);
    expect(yubicoPivAttestationRootSha256).toBe('63ece914e54dd87915f34033c85af4c0696ba1512f8add66ced738331207b546');
    expect(yubicoPivAttestationRootPem).toContain('-----BEGIN CERTIFICATE-----');
  });
});

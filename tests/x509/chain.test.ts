import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAlgorithmSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { extendedKeyUsages, parseCertificate, validateCertificateChain, type ChainValidationInput, type ChainValidationResult } from '../../shared/x509';
import { makeTestCa, type TestCa } from '../support/test-ca';

let ca: TestCa;
const day = 24 * 60 * 60 * 1000;

beforeAll(() => {
  ca = makeTestCa();
});

afterAll(() => ca?.cleanup());

function validate(input: Partial<ChainValidationInput> & { leaf: ChainValidationInput['leaf'] }): Promise<ChainValidationResult> {
  return validateCertificateChain({ intermediates: [ca.intermediate.der], roots: [ca.root.der], at: new Date(), ...input }, { signatureVerifier: nodeAlgorithmSignatureVerifier });
}

function failure(result: ChainValidationResult): { code: string; message: string } {
  if (result.ok) throw new Error('expected the chain to be refused');
  return result;
}

const subjects = (result: ChainValidationResult) => (result.ok ? result.chain.map((certificate) => certificate.subject.rfc4514) : result);

describe('certificate chains', () => {
  it('accepts a leaf issued through the intermediate and returns its chain; openssl verify agrees', async () => {
    const result = await validate({ leaf: ca.leaves.alice.der, requireDigitalSignature: true, requiredExtendedKeyUsage: extendedKeyUsages.codeSigning });
    expect(subjects(result)).toEqual(['CN=Alice Liddell,OU=Release,O=Conclave Test', 'CN=Conclave Test Issuing CA,O=Conclave Test', 'CN=Conclave Test Root,O=Conclave Test']);
    expect(result.ok && result.notes).toEqual([]);
    const openssl = ca.opensslVerify(['-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath, ca.leaves.alice.certPath]);
    expect(openssl).toEqual({ ok: true, output: `${ca.leaves.alice.certPath}: OK\n` });
  });

  it('checks RSA certificates and RSA issuers: PKCS#1 v1.5 with SHA-384 and RSASSA-PSS', async () => {
    expect((await validate({ leaf: ca.leaves.carol.der })).ok).toBe(true);
    for (const leaf of [ca.leaves.dave, ca.leaves.erin]) {
      const result = await validate({ leaf: leaf.der, intermediates: [], roots: [ca.otherRoot.der] });
      expect(subjects(result)).toEqual([parseCertificate(leaf.der).subject.rfc4514, 'CN=Other Test Root,O=Unrelated Org']);
      expect(ca.opensslVerify(['-CAfile', ca.otherRoot.certPath, leaf.certPath]).ok).toBe(true);
    }
    expect(parseCertificate(ca.leaves.erin.der).signatureAlgorithm.algorithm).toEqual({ kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 });
  });

  it('accepts a trusted intermediate as the end of the path, and the intermediate among several unrelated ones', async () => {
    const viaIntermediate = await validate({ leaf: ca.leaves.alice.der, intermediates: [], roots: [ca.intermediate.der] });
    expect(viaIntermediate.ok && viaIntermediate.chain).toHaveLength(2);
    const crowded = await validate({ leaf: ca.leaves.alice.der, intermediates: [ca.otherRoot.der, ca.leaves.carol.der, ca.intermediate.der, ca.leaves.alice.der], roots: [ca.otherRoot.der, ca.root.der] });
    expect(crowded.ok).toBe(true);
  });

  it('refuses a chain to another CA as untrusted, naming the missing issuer; openssl verify agrees', async () => {
    const result = failure(await validate({ leaf: ca.leaves.alice.der, roots: [ca.otherRoot.der] }));
    expect(result.code).toBe('certificate-untrusted');
    expect(result.message).toContain('"CN=Conclave Test Issuing CA,O=Conclave Test" was issued by "CN=Conclave Test Root,O=Conclave Test"');
    const withoutIntermediate = failure(await validate({ leaf: ca.leaves.alice.der, intermediates: [] }));
    expect(withoutIntermediate.code).toBe('certificate-untrusted');
    expect(withoutIntermediate.message).toMatch(/Alice Liddell.*: it was issued by "CN=Conclave Test Issuing CA,O=Conclave Test"/);
    expect(ca.opensslVerify(['-CAfile', ca.otherRoot.certPath, '-untrusted', ca.intermediate.certPath, ca.leaves.alice.certPath]).ok).toBe(false);
  });

  it('does not chain through a CA that has the issuing CA\'s name but another key', async () => {
    const result = failure(await validate({ leaf: ca.leaves.alice.der, intermediates: [], roots: [ca.impostor.der] }));
    // Its key identifier differs from alice's authority key identifier, so it is not even a candidate issuer.
    expect(result.code).toBe('certificate-untrusted');
  });

  it('refuses an expired leaf at the current time but accepts it at a time inside its validity; openssl verify -attime agrees', async () => {
    const expired = failure(await validate({ leaf: ca.leaves.expired.der }));
    expect(expired.code).toBe('certificate-expired');
    expect(expired.message).toMatch(/"CN=Expired Approver,O=Conclave Test" expired at .*Z, before the signing time/);
    const inside = new Date(ca.expiredValidity.notBefore.getTime() + 5 * day);
    expect((await validate({ leaf: ca.leaves.expired.der, at: inside })).ok).toBe(true);
    const before = failure(await validate({ leaf: ca.leaves.expired.der, at: new Date(ca.expiredValidity.notBefore.getTime() - day) }));
    expect(before.code).toBe('certificate-not-yet-valid');

    const args = ['-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath];
    expect(ca.opensslVerify([...args, ca.leaves.expired.certPath]).output).toContain('certificate has expired');
    expect(ca.opensslVerify([...args, '-attime', String(Math.floor(inside.getTime() / 1000)), ca.leaves.expired.certPath]).ok).toBe(true);
  });

  it('refuses a certificate whose signature was altered; openssl verify agrees', async () => {
    const tampered = Uint8Array.from(ca.leaves.alice.der);
    tampered[tampered.length - 1]! ^= 0x01;
    const result = failure(await validate({ leaf: tampered }));
    expect(result.code).toBe('certificate-signature-invalid');
    expect(result.message).toContain('The signature on "CN=Alice Liddell,OU=Release,O=Conclave Test" does not verify with the key of "CN=Conclave Test Issuing CA,O=Conclave Test"');
  });

  it('refuses a leaf without digitalSignature when signing is required, and accepts it when not', async () => {
    const result = failure(await validate({ leaf: ca.leaves.noSign.der, requireDigitalSignature: true }));
    expect(result.code).toBe('certificate-usage');
    expect(result.message).toContain('"CN=Key Agreement Only,O=Conclave Test" does not allow its key to make signatures (key usage keyAgreement, no digitalSignature)');
    expect((await validate({ leaf: ca.leaves.noSign.der })).ok).toBe(true);
  });

  it('checks the extended key usage asked for: timeStamping for a TSA, codeSigning for an approver', async () => {
    expect((await validate({ leaf: ca.leaves.tsa.der, requiredExtendedKeyUsage: extendedKeyUsages.timeStamping })).ok).toBe(true);
    const approverAsTsa = failure(await validate({ leaf: ca.leaves.alice.der, requiredExtendedKeyUsage: extendedKeyUsages.timeStamping }));
    expect(approverAsTsa.code).toBe('certificate-usage');
    expect(approverAsTsa.message).toContain('1.3.6.1.5.5.7.3.8 is required and its extended key usage is 1.3.6.1.5.5.7.3.3');
    const noEku = failure(await validate({ leaf: ca.leaves.noSign.der, requiredExtendedKeyUsage: extendedKeyUsages.codeSigning }));
    expect(noEku.message).toContain('it has no extended key usage');
  });

  it('refuses a certificate issued by a leaf (not a CA); a pinned self-standing leaf is a path of one', async () => {
    const byAlice = ca.issue({ name: 'signed-by-alice', issuer: ca.leaves.alice, extensions: 'basicConstraints = critical, CA:FALSE\nauthorityKeyIdentifier = keyid:always' });
    const result = failure(await validate({ leaf: byAlice.der, intermediates: [ca.leaves.alice.der, ca.intermediate.der] }));
    expect(result.code).toBe('certificate-usage');
    expect(result.message).toContain('"CN=Alice Liddell,OU=Release,O=Conclave Test" is not a CA certificate');
    expect(ca.opensslVerify(['-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath, '-untrusted', ca.leaves.alice.certPath, byAlice.certPath]).ok).toBe(false);
    const pinned = await validate({ leaf: ca.leaves.alice.der, intermediates: [], roots: [ca.leaves.alice.der] });
    expect(pinned.ok && pinned.chain).toHaveLength(1);
  });

  it('enforces pathLen and keyCertSign on issuers; openssl verify agrees on the path length', async () => {
    const caExtensions = 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always';
    const subCa = ca.issue({ name: 'sub-ca', extensions: caExtensions });
    const underSubCa = ca.issue({ name: 'under-sub-ca', issuer: subCa, extensions: 'keyUsage = critical, digitalSignature\nauthorityKeyIdentifier = keyid:always' });
    const result = failure(await validate({ leaf: underSubCa.der, intermediates: [subCa.der, ca.intermediate.der] }));
    expect(result.code).toBe('certificate-usage');
    expect(result.message).toContain('"CN=Conclave Test Issuing CA,O=Conclave Test" allows 0 CA certificate(s) below it, and this chain has 1');
    const openssl = ca.opensslVerify(['-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath, '-untrusted', subCa.certPath, underSubCa.certPath]);
    expect(openssl.output).toContain('path length constraint exceeded');
    // Trusted directly, the sub-CA is a root of its own: no pathLen above it.
    expect((await validate({ leaf: underSubCa.der, intermediates: [], roots: [subCa.der] })).ok).toBe(true);

    const crlOnlyCa = ca.issue({ name: 'crl-only-ca', extensions: 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, cRLSign\nsubjectKeyIdentifier = hash' });
    const underCrlOnly = ca.issue({ name: 'under-crl-only', issuer: crlOnlyCa, extensions: 'keyUsage = critical, digitalSignature' });
    const noCertSign = failure(await validate({ leaf: underCrlOnly.der, intermediates: [], roots: [crlOnlyCa.der] }));
    expect(noCertSign.code).toBe('certificate-usage');
    expect(noCertSign.message).toContain('no keyCertSign key usage');
  });

  it('refuses a certificate with a critical extension it does not process; openssl verify agrees', async () => {
    const odd = ca.issue({ name: 'odd-extension', extensions: 'keyUsage = critical, digitalSignature\n1.3.6.1.4.1.55555.1 = critical, ASN1:NULL' });
    const result = failure(await validate({ leaf: odd.der }));
    expect(result.code).toBe('certificate-unsupported');
    expect(result.message).toContain('critical extensions Conclave does not process (1.3.6.1.4.1.55555.1)');
    expect(ca.opensslVerify(['-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath, odd.certPath]).output).toContain('unhandled critical extension');
    // Not critical: ignored, as RFC 5280 says.
    const mild = ca.issue({ name: 'mild-extension', extensions: 'keyUsage = critical, digitalSignature\n1.3.6.1.4.1.55555.1 = ASN1:NULL' });
    expect((await validate({ leaf: mild.der })).ok).toBe(true);
  });

  it('refuses a certificate signed with SHA-1, naming the algorithm', async () => {
    const sha1 = ca.issue({ name: 'sha1-signed', md: 'sha1', extensions: 'keyUsage = critical, digitalSignature' });
    const result = failure(await validate({ leaf: sha1.der }));
    expect(result.code).toBe('certificate-unsupported');
    expect(result.message).toContain('is signed with ecdsa-with-SHA1 (SHA-1), which Conclave does not accept');
  });

  it('checks Ed25519 issuers', async () => {
    const keyPath = join(ca.dir, 'ed-root.key');
    const certPath = join(ca.dir, 'ed-root.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=Ed25519 Root', '-days', '2', '-config', join(ca.dir, 'root', 'openssl.cnf'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash'], { stdio: 'pipe' });
    const root = { name: 'ed-root', keyPath, certPath, pem: readFileSync(certPath, 'utf8'), der: new Uint8Array(execFileSync('openssl', ['x509', '-in', certPath, '-outform', 'DER'])) };
    const leaf = ca.issue({ name: 'under-ed25519', issuer: root, extensions: 'keyUsage = critical, digitalSignature\nauthorityKeyIdentifier = keyid:always' });
    expect(parseCertificate(leaf.der).signatureAlgorithm.name).toBe('Ed25519');
    expect(subjects(await validate({ leaf: leaf.der, intermediates: [], roots: [root.der] }))).toEqual(['CN=under-ed25519,O=Conclave Test', 'CN=Ed25519 Root']);
    const tampered = Uint8Array.from(leaf.der);
    tampered[tampered.length - 1]! ^= 0x80;
    expect(failure(await validate({ leaf: tampered, intermediates: [], roots: [root.der] })).code).toBe('certificate-signature-invalid');
  });

  it('answers certificate-malformed for bytes that are not a certificate, naming which input', async () => {
    const result = failure(await validate({ leaf: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) }));
    expect(result.code).toBe('certificate-malformed');
    expect(result.message).toMatch(/^The certificate to validate: /);
    const trailing = failure(await validate({ leaf: Uint8Array.from([...ca.leaves.alice.der, 0]) }));
    expect(trailing.code).toBe('certificate-malformed');
  });
});

describe('revocation with CRLs', () => {
  const crls = () => [ca.crls.intermediate, ca.crls.root];

  it('refuses a certificate revoked before the signing time, with the date and reason; openssl verify -crl_check agrees', async () => {
    const result = failure(await validate({ leaf: ca.leaves.revoked.der, crls: crls() }));
    expect(result.code).toBe('certificate-revoked');
    expect(result.message).toContain('"CN=Revoked Approver,O=Conclave Test" was revoked by "CN=Conclave Test Issuing CA,O=Conclave Test"');
    expect(result.message).toContain('(reason: superseded)');
    const openssl = ca.opensslVerify(['-crl_check', '-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath, '-CRLfile', ca.crlPaths.intermediate, ca.leaves.revoked.certPath]);
    expect(openssl.ok).toBe(false);
    expect(openssl.output).toContain('certificate revoked');
    // The same CRL does not list alice: both agree she is fine.
    expect((await validate({ leaf: ca.leaves.alice.der, crls: crls(), requireCrl: true })).ok).toBe(true);
    expect(ca.opensslVerify(['-crl_check_all', '-CAfile', ca.root.certPath, '-untrusted', ca.intermediate.certPath, '-CRLfile', ca.crlPaths.intermediate, '-CRLfile', ca.crlPaths.root, ca.leaves.alice.certPath]).ok).toBe(true);
  });

  it('accepts a signature made before a superseded revocation, with a note, but never one by a compromised key', async () => {
    const before = new Date(ca.revokedAt.getTime() - day);
    const superseded = await validate({ leaf: ca.leaves.revoked.der, crls: crls(), at: before });
    expect(superseded.ok).toBe(true);
    expect(superseded.ok && superseded.notes.join('\n')).toMatch(/Revoked Approver.*\(reason: superseded\), after the signing time/);
    const compromised = failure(await validate({ leaf: ca.leaves.compromised.der, crls: crls(), at: before }));
    expect(compromised.code).toBe('certificate-revoked');
    expect(compromised.message).toContain('(reason: keyCompromise)');
  });

  it('refuses a stale CRL unless allowed, with its own code', async () => {
    const later = new Date(Date.now() + 8 * day);
    const stale = failure(await validate({ leaf: ca.leaves.alice.der, crls: crls(), now: later }));
    expect(stale.code).toBe('certificate-crl-stale');
    expect(stale.message).toMatch(/The newest CRL of "CN=Conclave Test (Issuing CA|Root),O=Conclave Test" \(issued .*\) was due to be replaced at/);
    const allowed = await validate({ leaf: ca.leaves.alice.der, crls: crls(), now: later, allowStaleCrl: true });
    expect(allowed.ok && allowed.notes).toHaveLength(2);
  });

  it('refuses a CRL with the issuer\'s name signed by another key, and an altered CRL', async () => {
    const impostor = failure(await validate({ leaf: ca.leaves.alice.der, crls: [ca.crls.impostor] }));
    expect(impostor.code).toBe('certificate-crl-invalid');
    expect(impostor.message).toContain('is not signed by that CA\'s key');
    const altered = Uint8Array.from(ca.crls.intermediate);
    altered[altered.length - 1]! ^= 0x01;
    expect(failure(await validate({ leaf: ca.leaves.alice.der, crls: [altered] })).code).toBe('certificate-crl-invalid');
    expect(failure(await validate({ leaf: ca.leaves.alice.der, crls: [new Uint8Array([1, 2, 3])] })).code).toBe('certificate-crl-invalid');
  });

  it('refuses a CRL from the future (a wrong clock)', async () => {
    const result = failure(await validate({ leaf: ca.leaves.alice.der, crls: crls(), now: new Date(Date.now() - day) }));
    expect(result.code).toBe('certificate-crl-invalid');
    expect(result.message).toContain("Check this computer's clock");
  });

  it('requires a CRL for every issuer when asked', async () => {
    const result = failure(await validate({ leaf: ca.leaves.alice.der, crls: [ca.crls.intermediate], requireCrl: true }));
    expect(result.code).toBe('certificate-crl-missing');
    expect(result.message).toContain('No CRL of "CN=Conclave Test Root,O=Conclave Test" was supplied');
    expect((await validate({ leaf: ca.leaves.alice.der, crls: [ca.crls.intermediate] })).ok).toBe(true);
  });
});

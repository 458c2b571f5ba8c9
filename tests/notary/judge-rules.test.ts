/**
 * What Conclave holds a stored Notary Project signature to (shared/notary/check.ts)
 * and what it says notation asks of a certificate chain (certificate-rules.ts), with
 * real keys and an openssl CA: each way an approver's own client could make a Notary
 * signature for something else is refused with its reason, while the genuine one,
 * which `jose` verifies by the specification, passes.
 */
import { X509Certificate } from 'node:crypto';
import { flattenedVerify, importX509, type FlattenedJWSInput } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { toBase64 } from '../../shared/encoding/base64';
import { checkNotarySignatures, type NotaryExpectation } from '../../shared/notary/check';
import { notaryChainProblem } from '../../shared/notary/certificate-rules';
import { jwsSignatureValue, notaryAlgorithmOf, notaryEnvelope, prepareNotarySignature, type NotaryAlgorithm } from '../../shared/notary/signature';
import { parseCertificate } from '../../shared/x509/certificate';
import { makeTestCa, type TestCa, type TestCertificate } from '../support/test-ca';
import { makeTestKey, type TestKey } from '../support/test-keys';

const image = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1234 };
const otherDigest = `sha256:${'b'.repeat(64)}`;
const statementDigest = '1'.repeat(64);
const policyDigest = '2'.repeat(64);
const ceremonyId = 'c-20261205-abcdefghij';
const codeSigning = ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = codeSigning', 'subjectAltName = email:alice@example.com'].join('\n');

let ca: TestCa;
let key: TestKey;
let certificate: TestCertificate;
let expected: NotaryExpectation;

interface Options {
  target?: typeof image;
  alg?: NotaryAlgorithm;
  statementDigest?: string;
  policyDigest?: string;
  ceremonyId?: string;
  chain?: Uint8Array[];
  signWith?: TestKey;
}

/** A Notary signature as approving makes one, with `options` changing what it says. */
function notarySignature(options: Options = {}): string {
  const prepared = prepareNotarySignature({
    target: options.target ?? image,
    ceremonyId: options.ceremonyId ?? ceremonyId,
    statementDigest: options.statementDigest ?? statementDigest,
    policyDigest: options.policyDigest ?? policyDigest,
    alg: options.alg ?? 'ES256',
    signingTime: new Date('2026-12-05T10:00:00.123Z'),
  });
  const signature = jwsSignatureValue(prepared.alg, (options.signWith ?? key).sign(prepared.signingInput));
  return toBase64(notaryEnvelope(prepared, signature, options.chain ?? [certificate.der, ca.intermediate.der, ca.root.der]));
}

const check = (envelopes: string[]) => checkNotarySignatures(envelopes, expected, nodeSignatureVerifier);

beforeAll(() => {
  ca = makeTestCa();
  key = makeTestKey('ecdsa-p256');
  certificate = ca.issue({ name: 'Alice Liddell', publicKeyPem: key.publicKeyPem, extensions: codeSigning });
  expected = { ceremonyId, statementDigest, policyDigest, imageDigests: [image.digest], spki: key.spki, certificate: certificate.der };
}, 60_000);
afterAll(() => ca?.cleanup());

describe('a Notary signature stored with an approval', () => {
  it('passes when it is what approving makes, and jose verifies it with crit understood and the signing time in whole seconds', async () => {
    const envelope = notarySignature();
    expect(await check([envelope])).toMatchObject({ ok: true });
    const jws = JSON.parse(Buffer.from(envelope, 'base64').toString('utf8')) as FlattenedJWSInput & { header: { x5c: string[] } };
    const leaf = new X509Certificate(Buffer.from(jws.header.x5c[0]!, 'base64'));
    const verified = await flattenedVerify(jws, await importX509(leaf.toString(), 'ES256'), { algorithms: ['ES256'], crit: { 'io.cncf.notary.signingScheme': true } });
    expect(verified.protectedHeader).toMatchObject({ 'io.cncf.notary.signingTime': '2026-12-05T10:00:00Z' });
    // A verifier that does not understand the critical header must refuse it (RFC 7515 §4.1.11).
    await expect(flattenedVerify(jws, await importX509(leaf.toString(), 'ES256'), { algorithms: ['ES256'] })).rejects.toThrow(/"io.cncf.notary.signingScheme" is not recognized/);
  });

  it.each([
    ['over another image', { target: { ...image, digest: otherDigest } }, 'which is not an image of this ceremony'],
    ['naming another statement', { statementDigest: '3'.repeat(64) }, 'another statement'],
    ['naming another policy', { policyDigest: '4'.repeat(64) }, 'another policy'],
    ['naming another ceremony', { ceremonyId: 'c-20261205-zzzzzzzzzz' }, 'another ceremony'],
    ['with an algorithm that is not the key\'s', { alg: 'ES384' as const }, 'not the algorithm'],
  ] as [string, Options, string][])('is refused %s', async (_, options, reason) => {
    const result = await check([notarySignature(options)]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('is refused when signed by another key, or with another certificate than the approval carries', async () => {
    const mallory = makeTestKey('ecdsa-p256');
    const byOther = await check([notarySignature({ signWith: mallory })]);
    expect(!byOther.ok && byOther.reason).toContain("not a valid signature of the approver's key");
    const malloryCertificate = ca.issue({ name: 'Mallory', publicKeyPem: mallory.publicKeyPem, extensions: codeSigning });
    const otherChain = await check([notarySignature({ chain: [malloryCertificate.der, ca.intermediate.der, ca.root.der] })]);
    expect(!otherChain.ok && otherChain.reason).toContain('another certificate');
  });

  it('is refused twice over one image, and when it cannot be read', async () => {
    const twice = await check([notarySignature(), notarySignature()]);
    expect(!twice.ok && twice.reason).toContain('a second time');
    const unreadable = await check([toBase64(new TextEncoder().encode('{"payload":"e30","protected":"e30","header":{"x5c":[]},"signature":""}'))]);
    expect(!unreadable.ok && unreadable.reason).toContain('cannot be read');
  });
});

describe('the algorithm, from the key as the specification says', () => {
  it('is PS256 for an RSA 2048 key, which jose verifies as RSASSA-PSS', async () => {
    const rsa = makeTestKey('rsa-2048');
    const rsaCertificate = ca.issue({ name: 'Rita RSA', publicKeyPem: rsa.publicKeyPem, extensions: codeSigning });
    const envelope = notarySignature({ alg: 'PS256', signWith: rsa, chain: [rsaCertificate.der, ca.intermediate.der, ca.root.der] });
    expect(await checkNotarySignatures([envelope], { ...expected, spki: rsa.spki, certificate: rsaCertificate.der }, nodeSignatureVerifier)).toMatchObject({ ok: true });
    const jws = JSON.parse(Buffer.from(envelope, 'base64').toString('utf8')) as FlattenedJWSInput;
    await expect(flattenedVerify(jws, await importX509(new X509Certificate(Buffer.from(rsaCertificate.der)).toString(), 'PS256'), { algorithms: ['PS256'], crit: { 'io.cncf.notary.signingScheme': true } })).resolves.toBeDefined();
  });

  it('is none for RSA 3072 (PS384, which tokens do not make here) and Ed25519 (not in the specification)', () => {
    expect(notaryAlgorithmOf({ kind: 'rsa', bits: 3072 })).toMatchObject({ ok: false, reason: expect.stringContaining('PS384') });
    expect(notaryAlgorithmOf({ kind: 'ed25519', bits: 256 })).toMatchObject({ ok: false, reason: expect.stringContaining('Ed25519') });
    expect(notaryAlgorithmOf({ kind: 'ecdsa', curve: 'P-521', bits: 521 })).toEqual({ ok: true, alg: 'ES512' });
  });
});

describe("notation's certificate chain rules", () => {
  const chainOf = (leaf: TestCertificate, ...rest: TestCertificate[]) => [leaf, ...rest].map((entry) => parseCertificate(entry.der));

  it('accept a code-signing leaf under the test CA, chained to its self-signed root', () => {
    expect(notaryChainProblem(chainOf(certificate, ca.intermediate, ca.root))).toBeUndefined();
  });

  it('refuse an S/MIME leaf, a chain without its root, and a leaf whose key usage is not critical', () => {
    const smime = ca.issue({ name: 'Alice Mail', publicKeyPem: key.publicKeyPem, extensions: codeSigning.replace('codeSigning', 'emailProtection') });
    expect(notaryChainProblem(chainOf(smime, ca.intermediate, ca.root))).toContain('emailProtection');
    expect(notaryChainProblem(chainOf(certificate, ca.intermediate))).toContain('not a self-signed root');
    const soft = ca.issue({ name: 'Alice Soft', publicKeyPem: key.publicKeyPem, extensions: codeSigning.replace('keyUsage = critical, digitalSignature', 'keyUsage = digitalSignature') });
    expect(notaryChainProblem(chainOf(soft, ca.intermediate, ca.root))).toContain('not marked critical');
  });
});

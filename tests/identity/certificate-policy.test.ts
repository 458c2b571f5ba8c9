/**
 * The certificate identity of a policy approver (issue 6), without tokens:
 * what loadPolicy accepts and refuses, how resolveCertificateSigner decides
 * who a certificate names (against the openssl test CA of tests/support),
 * and that evaluatePolicy counts certificate approvers as people.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAlgorithmSignatureVerifier, nodeDigester } from '../../electron/core/crypto/node-crypto';
import { resolveCertificateSigner, certificateApproversNamedBy, type CertificateSignerInput } from '../../shared/policy/certificate-signer';
import { evaluatePolicy } from '../../shared/policy/evaluate';
import { PolicyError, loadPolicy, type Policy, type PolicyErrorCode } from '../../shared/policy/policy';
import { parseCertificate } from '../../shared/x509';
import { makeTestCa, type TestCa, type TestCertificate } from '../support/test-ca';
import { makeTestKey } from '../support/test-keys';

let ca: TestCa;
const erin = makeTestKey('ecdsa-p256');

beforeAll(() => {
  ca = makeTestCa();
}, 120_000);
afterAll(() => ca?.cleanup());

const keyIdOf = (certificate: TestCertificate) => createHash('sha256').update(parseCertificate(certificate.der).spki).digest('hex');
const entry = (identity: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ roots: ca.root.pem, intermediates: ca.intermediate.pem, ...identity, ...extra });

function document(approvers: unknown[], extra: Record<string, unknown> = {}) {
  return { version: 1, threshold: 2, approvers, ...extra };
}

async function refusal(value: unknown): Promise<{ code: PolicyErrorCode; message: string } | 'accepted'> {
  try {
    await loadPolicy(value, nodeDigester);
    return 'accepted';
  } catch (error) {
    if (error instanceof PolicyError) return { code: error.code, message: error.message };
    throw error;
  }
}

describe('a certificate identity in the policy', () => {
  it('loads next to raw keys, and counts each person once', async () => {
    const policy = await loadPolicy(
      document(
        [
          { id: 'alice', role: 'security', certificate: entry({ email: 'alice@example.com', crls: ['https://pki.example.com/issuing.crl'] }) },
          { id: 'carol', certificate: entry({ subject: 'CN=Carol Chen,O=Conclave Test' }) },
          { id: 'carol', publicKey: erin.publicKeyPem },
        ],
        { roles: { security: 1 } },
      ),
      nodeDigester,
    );
    expect(policy.people.map((person) => [person.id, person.role, person.keyIds.length])).toEqual([
      ['alice', 'security', 0],
      ['carol', undefined, 1],
    ]);
    expect(policy.keys.map((key) => key.approverId)).toEqual(['carol']);
    expect(policy.certificateApprovers.map((approver) => [approver.approverId, approver.index, approver.roots.length, approver.intermediates.length, approver.identity, approver.crls])).toEqual([
      ['alice', 0, 1, 1, { email: 'alice@example.com' }, ['https://pki.example.com/issuing.crl']],
      ['carol', 1, 1, 1, { subject: 'CN=Carol Chen,O=Conclave Test' }, []],
    ]);
    expect(Buffer.from(policy.certificateApprovers[0]!.roots[0]!)).toEqual(Buffer.from(ca.root.der));
    // Three entries, two people: a threshold of 3 can never be met.
    expect(await refusal(document([{ id: 'alice', certificate: entry({ email: 'alice@example.com' }) }, { id: 'bob', publicKey: erin.publicKeyPem }], { threshold: 3 }))).toMatchObject({ code: 'policy-threshold-unreachable' });
  });

  it.each<[string, () => unknown, PolicyErrorCode, RegExp]>([
    ['both a key and a certificate', () => document([{ id: 'alice', publicKey: erin.publicKeyPem, certificate: entry({ email: 'a@example.com' }) }, { id: 'bob', publicKey: makeTestKey('ed25519').publicKeyPem }]), 'policy-malformed', /gives both a publicKey and a certificate/],
    ['neither', () => document([{ id: 'alice' }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-malformed', /gives neither a publicKey nor a certificate/],
    ['no identity', () => document([{ id: 'alice', certificate: entry({}) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-certificate-identity-missing', /names no identity, so any certificate its CA ever issued would count as alice/],
    ['a subject that is not RFC 4514', () => document([{ id: 'alice', certificate: entry({ subject: 'CN=Alice,O' }) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-certificate-identity-malformed', /"CN=Alice,O", is not an RFC 4514 name/],
    ['an email that is not one', () => document([{ id: 'alice', certificate: entry({ email: 'alice.example.com' }) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-certificate-identity-malformed', /is not an email address/],
    ['roots that are a key', () => document([{ id: 'alice', certificate: entry({ email: 'a@example.com', roots: erin.publicKeyPem }) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-certificate-malformed', /certificate roots of approvers\[0\] \("alice"\) hold no PEM "CERTIFICATE" block/],
    ['roots that are not base64', () => document([{ id: 'alice', certificate: entry({ email: 'a@example.com', roots: '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n' }) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-certificate-malformed', /cannot be read/],
    ['a CRL over plain http to another host', () => document([{ id: 'alice', certificate: entry({ email: 'a@example.com', crls: ['http://pki.example.com/issuing.crl'] }) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-malformed', /crls\[0\]: expected an https URL/],
    ['an unknown identity field', () => document([{ id: 'alice', certificate: entry({ emial: 'a@example.com' }) }, { id: 'bob', publicKey: erin.publicKeyPem }]), 'policy-unknown-field', /"emial" in approvers\[0\]\.certificate/],
    ['a role that differs between a person\'s key and certificate', () => document([{ id: 'alice', role: 'security', certificate: entry({ email: 'a@example.com' }) }, { id: 'alice', publicKey: erin.publicKeyPem }, { id: 'bob', publicKey: makeTestKey('ed25519').publicKeyPem }]), 'policy-approver-conflict', /give them the same role/],
  ])('refuses %s', async (_, make, code, message) => {
    const refused = await refusal(make());
    expect(refused).toMatchObject({ code });
    expect(refused === 'accepted' ? '' : refused.message).toMatch(message);
  });
});

describe('resolveCertificateSigner', () => {
  let policy: Policy;
  beforeAll(async () => {
    policy = await loadPolicy(
      document([
        { id: 'alice', certificate: entry({ email: 'alice@example.com', crls: ['https://pki.example.com/issuing.crl', 'https://pki.example.com/root.crl'] }) },
        { id: 'carol', certificate: { roots: ca.root.pem, subject: 'Carol Chen' } },
        { id: 'expired', certificate: entry({ email: 'expired@example.com' }) },
        { id: 'compromised', certificate: entry({ email: 'compromised@example.com' }) },
        { id: 'nosign', certificate: entry({ subject: 'Key Agreement Only' }) },
      ]),
      nodeDigester,
    );
  });
  const dependencies = { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier };
  const resolve = (certificate: TestCertificate, extra: Partial<CertificateSignerInput> = {}) =>
    resolveCertificateSigner(policy, { keyId: keyIdOf(certificate), certificates: [certificate.der], at: new Date(), atSource: 'trusted-time', crls: [ca.crls.intermediate, ca.crls.root], ...extra }, dependencies);

  it('names the approver whose identity and roots the certificate meets', async () => {
    const alice = await resolve(ca.leaves.alice);
    expect(alice).toMatchObject({ ok: true, approverId: 'alice', keyId: keyIdOf(ca.leaves.alice) });
    expect(alice.ok && alice.chain.map((link) => link.subject.rfc4514)).toEqual(['CN=Alice Liddell,OU=Release,O=Conclave Test', 'CN=Conclave Test Issuing CA,O=Conclave Test', 'CN=Conclave Test Root,O=Conclave Test']);
    // Carol's entry lists no intermediates: the ones sent with her certificate complete the chain.
    expect(await resolve(ca.leaves.carol)).toMatchObject({ ok: false, code: 'certificate-untrusted', approverId: 'carol' });
    expect(await resolve(ca.leaves.carol, { certificates: [ca.leaves.carol.der, ca.intermediate.der] })).toMatchObject({ ok: true, approverId: 'carol' });
    expect(certificateApproversNamedBy(policy, ca.leaves.carol.der)).toEqual(['carol']);
  });

  it('refuses a certificate of another key, one that may not sign, and one naming two approvers', async () => {
    expect(await resolve(ca.leaves.alice, { keyId: keyIdOf(ca.leaves.carol) })).toMatchObject({ ok: false, code: 'certificate-key-mismatch' });
    expect(await resolve(ca.leaves.noSign)).toMatchObject({ ok: false, code: 'certificate-usage', approverId: 'nosign' });
    const twice = await loadPolicy(document([{ id: 'alice', certificate: entry({ email: 'alice@example.com' }) }, { id: 'liddell', certificate: entry({ subject: 'Alice Liddell' }) }]), nodeDigester);
    const ambiguous = await resolveCertificateSigner(twice, { keyId: keyIdOf(ca.leaves.alice), certificates: [ca.leaves.alice.der], at: new Date(), atSource: 'trusted-time' }, dependencies);
    expect(ambiguous).toMatchObject({ ok: false, code: 'certificate-ambiguous' });
    expect(!ambiguous.ok && ambiguous.reason).toMatch(/names several approvers of the policy \(alice, liddell\)/);
  });

  it('judges validity and revocation at the signing time it is given', async () => {
    const { notBefore, notAfter } = ca.expiredValidity;
    const during = new Date((notBefore.getTime() + notAfter.getTime()) / 2);
    expect(await resolve(ca.leaves.expired, { at: during })).toMatchObject({ ok: true, approverId: 'expired' });
    const now = await resolve(ca.leaves.expired, { atSource: 'current-time' });
    expect(now).toMatchObject({ ok: false, code: 'certificate-expired' });
    expect(!now.ok && now.reason).toMatch(/This signature has no trusted time, so its certificate is checked at the time of the check/);
    // A key compromise revokes every signature, whenever it was made.
    expect(await resolve(ca.leaves.compromised, { at: during })).toMatchObject({ ok: false, code: 'certificate-revoked', approverId: 'compromised' });
  });

  it('requires a current CRL of every CA of the chain when the approver lists CRLs', async () => {
    const missing = await resolve(ca.leaves.alice, { crls: [ca.crls.intermediate], crlProblems: ['The CRL at https://pki.example.com/root.crl could not be fetched (offline).'] });
    expect(missing).toMatchObject({ ok: false, code: 'certificate-crl-missing' });
    expect(!missing.ok && missing.reason).toMatch(/No CRL of "CN=Conclave Test Root,O=Conclave Test" was supplied.*\(The CRL at https:\/\/pki\.example\.com\/root\.crl could not be fetched \(offline\)\.\)/);
    // An entry without CRLs is not checked for revocation unless CRLs are given anyway.
    expect(await resolve(ca.leaves.compromised, { crls: [] })).toMatchObject({ ok: true });
    // Bundle import checks chains but leaves revocation to loading.
    expect(await resolve(ca.leaves.compromised, { revocation: 'skip' })).toMatchObject({ ok: true });
  });
});

describe('evaluatePolicy with certificate approvers', () => {
  it('counts a key a certificate resolved to as that person, once, and an unresolved one as unknown', async () => {
    const policy = await loadPolicy(
      document([
        { id: 'alice', certificate: entry({ email: 'alice@example.com' }) },
        { id: 'alice', publicKey: erin.publicKeyPem },
        { id: 'bob', certificate: entry({ email: 'bob@example.com' }) },
      ]),
      nodeDigester,
    );
    const certificateSigners = new Map([
      ['a'.repeat(64), 'alice'],
      ['b'.repeat(64), 'bob'],
    ]);
    const evaluation = evaluatePolicy(policy, { approvals: ['a'.repeat(64), erin.keyId, 'c'.repeat(64)], rejections: [], certificateSigners });
    expect(evaluation.counted).toEqual(['alice']);
    expect(evaluation.notCounted).toEqual([
      { keyId: erin.keyId, approverId: 'alice', reason: 'same-person' },
      { keyId: 'c'.repeat(64), reason: 'unknown-key' },
    ]);
    expect(evaluatePolicy(policy, { approvals: ['a'.repeat(64)], rejections: ['b'.repeat(64)], certificateSigners })).toMatchObject({ impossible: true });
  });
});

/**
 * Issue 14, point 1 (and what of point 2 lies outside the token layer): every
 * Sigstore bundle and every signature Conclave publishes, from real ceremonies
 * on SoftHSM2 tokens (support/published-ceremony.ts), checked by verifiers
 * Conclave did not write:
 *
 * - @sigstore/verify (sigstore-js), given the approver's public key, or the CA
 *   for a certificate approver, and the TSA;
 * - Python securesystemslib (Debian's python3-securesystemslib), over a PAE the
 *   Python side computes, for the combined envelope and every bundle;
 * - cosign 3 / sigstore-go / go-securesystemslib, whose binaries cannot be
 *   installed here, by their rules encoded from the upstream source lines
 *   (support/sigstore-go-rules.ts), with the SSH key fingerprint those rules
 *   compare checked against OpenSSH's ssh-keygen.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFromJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyText } from '../../shared/policy/policy';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { approvers, publishCeremonies, type Approver, type PublishedCeremonies } from './support/published-ceremony';
import { cosignAcceptsBundle, goSecureSystemsLibKeyId } from './support/sigstore-go-rules';

interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}
interface Bundle {
  mediaType: string;
  verificationMaterial: { publicKey?: { hint: string }; certificate?: { rawBytes: string }; x509CertificateChain?: unknown; timestampVerificationData: { rfc3161Timestamps: { signedTimestamp: string }[] } };
  dsseEnvelope: DsseEnvelope;
}

let published: PublishedCeremonies;
beforeAll(async () => {
  published = await publishCeremonies();
}, 300_000);
afterAll(async () => {
  await published?.close();
});

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const envelopeOf = (which: 'main' | 'pss' | 'legacy') => readJson<DsseEnvelope>(published[which].envelopePath);
/** The bundle file publishing wrote for an approver: NAME-VERSION.APPROVER.sigstore.json. */
function bundleOf(which: 'main' | 'pss' | 'legacy', who: Approver): Bundle {
  const path = published[which].bundlePaths.find((candidate) => candidate.endsWith(`.${who}.sigstore.json`));
  if (!path) throw new Error(`no bundle for ${who} in ${published[which].bundlePaths.join(', ')}`);
  return readJson<Bundle>(path);
}
const publicKeyOf = (who: Approver): KeyObject => createPublicKey(published.keys[who].publicKeyPem);
const keyIdOf = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
const paeOf = (envelope: DsseEnvelope) => {
  const type = Buffer.from(envelope.payloadType);
  const payload = Buffer.from(envelope.payload, 'base64');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
};
const forever = { start: new Date(0), end: new Date(8.64e15) };
const parsed = (der: Uint8Array) => X509Certificate.parse(Buffer.from(der));

/** sigstore-js with the approvers' public keys found by the bundle's hint, the erin's CA, and the TSA; a time stamp is required. */
function sigstoreJs(): Verifier {
  const keys = new Map(approvers.map((who) => [published.keys[who].keyId, publicKeyOf(who)] as const));
  return new Verifier(
    {
      certificateAuthorities: [{ certChain: published.caChain.map(parsed), validFor: forever }],
      timestampAuthorities: [{ certChain: published.tsaChain.map(parsed), validFor: forever }],
      tlogs: [],
      ctlogs: [],
      publicKey: (hint) => {
        const publicKey = keys.get(hint);
        if (!publicKey) throw new Error(`no key for hint ${hint}`);
        return { publicKey, validFor: () => true };
      },
    },
    { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
  );
}
const sigstoreJsVerify = (bundle: Bundle) => sigstoreJs().verify(toSignedEntity(bundleFromJSON(bundle)));

describe('what publishing writes', () => {
  it('bundles leave the DSSE keyid empty and name the key in their verification material; the combined envelope keeps the keyids', () => {
    const envelope = envelopeOf('main');
    expect(envelope.signatures.map((signature) => signature.keyid).sort()).toEqual(approvers.map((who) => keyIdOf(publicKeyOf(who))).sort());
    for (const who of approvers) {
      const bundle = bundleOf('main', who);
      expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(bundle.dsseEnvelope.signatures).toHaveLength(1);
      expect(bundle.dsseEnvelope.signatures[0]!.keyid).toBe('');
      // The bundle's signature is the envelope's signature by this approver.
      expect(envelope.signatures.find((signature) => signature.keyid === published.keys[who].keyId)?.sig).toBe(bundle.dsseEnvelope.signatures[0]!.sig);
      expect(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
      if (who === 'erin') {
        // v0.3: the leaf certificate alone, never an x509CertificateChain (sigstore-go pkg/bundle/bundle.go:112-119).
        expect(bundle.verificationMaterial.certificate).toEqual({ rawBytes: Buffer.from(published.erinCertificate).toString('base64') });
        expect(bundle.verificationMaterial.publicKey).toBeUndefined();
        expect(bundle.verificationMaterial.x509CertificateChain).toBeUndefined();
      } else {
        expect(bundle.verificationMaterial.publicKey).toEqual({ hint: keyIdOf(publicKeyOf(who)) });
      }
    }
  });

  it('RSA approvals are RSASSA-PKCS1-v1_5 with SHA-256 by default, RSASSA-PSS where the policy asks for it', async () => {
    const signatureOf = (which: 'main' | 'pss') => Buffer.from(envelopeOf(which).signatures.find((signature) => signature.keyid === published.keys.dave.keyId)!.sig, 'base64');
    const dave = publicKeyOf('dave');
    const pkcs1 = (which: 'main' | 'pss') => verify('sha256', paeOf(envelopeOf(which)), { key: dave, padding: constants.RSA_PKCS1_PADDING }, signatureOf(which));
    const pss = (which: 'main' | 'pss') => verify('sha256', paeOf(envelopeOf(which)), { key: dave, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signatureOf(which));
    expect([pkcs1('main'), pss('main')]).toEqual([true, false]);
    expect([pkcs1('pss'), pss('pss')]).toEqual([false, true]);
    // The policy field is part of the policy's schema and digest.
    const policy = await loadPolicyText(readFileSync(published.pss.policyPath, 'utf8'), nodeDigester);
    expect(policy.signing).toEqual({ rsa: 'pss' });
    expect((await loadPolicyText(readFileSync(published.main.policyPath, 'utf8'), nodeDigester)).signing).toEqual({ rsa: 'pkcs1-v1_5' });
  });

  it('approvals made with RSA-PSS (every RSA approval before issue 14, and those a policy asks for) still count and verify in Conclave', () => {
    for (const which of ['legacy', 'pss'] as const) {
      const { report } = published[which];
      expect(report.ok, which).toBe(true);
      expect(report.approvedBy.map((approver) => approver.id)).toEqual(['dave']);
    }
    const legacy = envelopeOf('legacy');
    const signature = Buffer.from(legacy.signatures[0]!.sig, 'base64');
    expect(verify('sha256', paeOf(legacy), { key: publicKeyOf('dave'), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)).toBe(true);
  });
});

describe('@sigstore/verify (sigstore-js) with the approver\'s key', () => {
  it.each<[Approver, string]>([
    ['alice', 'ECDSA P-256'],
    ['carol', 'Ed25519'],
    ['dave', 'RSA 3072, PKCS#1 v1.5'],
  ])("accepts %s's bundle (%s) with their public key and its RFC 3161 time stamp", (who) => {
    const signer = sigstoreJsVerify(bundleOf('main', who));
    expect(Buffer.from(signer.key.export({ type: 'spki', format: 'der' }))).toEqual(publicKeyOf(who).export({ type: 'spki', format: 'der' }));
  });

  it("accepts erin's bundle with her certificate, the CA as trust root and the TSA", () => {
    const signer = sigstoreJsVerify(bundleOf('main', 'erin'));
    expect(signer.identity?.subjectAlternativeName).toBe('erin@example.com');
  });

  // Conclave signs ECDSA P-384 with SHA-384, the curve's hash and Sigstore's own default for P-384 (sigstore
  // pkg/signature/algorithm_registry.go GetDefaultPublicKeyDetails: PKIX_ECDSA_P384_SHA_384). @sigstore/verify 3.1.1
  // refuses it whatever the verification material: dist/bundle/dsse.js verifySignature calls @sigstore/core 3.2.1
  // dist/crypto.js verify(data, key, signature) with no algorithm, and Node then checks every EC key with SHA-256.
  // docs/verify.md "ECDSA P-384 and the Sigstore verifiers" documents it; the forecast says it for P-384 approvers.
  it("refuses bob's bundle (ECDSA P-384): his signature is ECDSA with SHA-384, and sigstore-js checks every EC key with SHA-256", () => {
    const bundle = bundleOf('main', 'bob');
    const signature = Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, 'base64');
    const message = paeOf(bundle.dsseEnvelope);
    expect([verify('sha384', message, publicKeyOf('bob'), signature), verify('sha256', message, publicKeyOf('bob'), signature)]).toEqual([true, false]);
    expect(() => sigstoreJsVerify(bundle)).toThrow(/signature/i);
  });

  it("refuses the bundle of an RSA-PSS approval, as docs/formats.md says: a policy that asks for PSS gives up Sigstore verifiers", () => {
    expect(() => sigstoreJsVerify(bundleOf('pss', 'dave'))).toThrow(/signature/i);
  });
});

describe('cosign 3 and sigstore-go, by their source (support/sigstore-go-rules.ts)', () => {
  it('compare a signature keyid with the SSH SHA256 fingerprint of the key, which is what OpenSSH computes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-ssh-'));
    try {
      // ssh-keygen reads PKCS#8 public keys of ECDSA and RSA (not Ed25519: OpenSSH 9.2 cannot convert those).
      for (const who of ['alice', 'bob', 'dave'] as const) {
        const pem = join(dir, `${who}.pem`);
        writeFileSync(pem, published.keys[who].publicKeyPem);
        writeFileSync(join(dir, `${who}.pub`), execFileSync('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', pem]));
        const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, `${who}.pub`)], { encoding: 'utf8' }).split(' ')[1];
        expect(goSecureSystemsLibKeyId(publicKeyOf(who))).toBe(printed);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each<Approver>(['alice', 'carol', 'dave'])("cosign verify-attestation --key accepts %s's bundle", (who) => {
    expect(cosignAcceptsBundle(bundleOf('main', who), publicKeyOf(who))).toEqual({ accepted: true });
  });

  it("would skip the signature of a bundle carrying Conclave's hex keyid (the bundles of before issue 14), and of one with two signatures", () => {
    const bundle = bundleOf('main', 'alice');
    const withKeyId = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, signatures: [{ ...bundle.dsseEnvelope.signatures[0]!, keyid: published.keys.alice.keyId }] } };
    expect(cosignAcceptsBundle(withKeyId, publicKeyOf('alice'))).toMatchObject({ accepted: false, reason: expect.stringMatching(/^could not verify envelope: accepted signatures do not match threshold/) as unknown });
    const combined = { ...bundle, dsseEnvelope: envelopeOf('main') };
    expect(cosignAcceptsBundle(combined, publicKeyOf('alice'))).toMatchObject({ accepted: false, reason: 'a DSSE envelope in a Sigstore bundle must contain exactly one signature' });
    const chained = { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, x509CertificateChain: { certificates: [] } } };
    expect(cosignAcceptsBundle(chained, publicKeyOf('alice'))).toMatchObject({ accepted: false });
  });

  // cosign --key loads the key with SHA-256 unless --signature-digest-algorithm says otherwise (LoadVerifier(pub, hash)).
  it("cosign verify-attestation --key refuses bob's bundle (ECDSA P-384) by default, and accepts it with --signature-digest-algorithm sha384", () => {
    expect(cosignAcceptsBundle(bundleOf('main', 'bob'), publicKeyOf('bob'))).toMatchObject({ accepted: false, reason: expect.stringContaining('the signature does not verify') as unknown });
    expect(cosignAcceptsBundle(bundleOf('main', 'bob'), publicKeyOf('bob'), { signatureDigestAlgorithm: 'sha384' })).toEqual({ accepted: true });
    // The flag is no way around a wrong key: alice's key with sha384 still refuses bob's bundle.
    expect(cosignAcceptsBundle(bundleOf('main', 'bob'), publicKeyOf('alice'), { signatureDigestAlgorithm: 'sha384' })).toMatchObject({ accepted: false });
  });

  it('cosign verify-attestation --key refuses an RSA-PSS approval (sigstore LoadVerifier loads RSA keys as PKCS#1 v1.5)', () => {
    expect(cosignAcceptsBundle(bundleOf('pss', 'dave'), publicKeyOf('dave'))).toMatchObject({ accepted: false });
  });
});

describe('securesystemslib (Python, Debian python3-securesystemslib)', () => {
  const python = '/usr/bin/python3';
  const script = fileURLToPath(new URL('./support/securesystemslib_check.py', import.meta.url));

  interface Checked {
    label: string;
    index: number;
    keyid: string;
    verified: boolean;
    reason: string;
  }
  function check(request: unknown): Checked[] {
    const run = spawnSync(python, [script], { input: JSON.stringify(request), encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`securesystemslib check failed (is python3-securesystemslib installed? apt-get install python3-securesystemslib):\n${run.stderr}`);
    return JSON.parse(run.stdout) as Checked[];
  }

  it('verifies every signature of every combined envelope and every bundle over the DSSE PAE, finding each key by its keyid or hint', () => {
    const keys = approvers.map((who) => published.keys[who].publicKeyPem);
    const pkcs1 = 'rsa-pkcs1v15-sha256';
    const pss = 'rsassa-pss-sha256';
    const envelopes = [
      { label: 'main envelope', envelope: envelopeOf('main'), bundle: null, rsaScheme: pkcs1 },
      { label: 'pss envelope', envelope: envelopeOf('pss'), bundle: null, rsaScheme: pss },
      { label: 'legacy envelope', envelope: envelopeOf('legacy'), bundle: null, rsaScheme: pss },
      ...approvers.map((who) => ({ label: `${who}'s bundle`, envelope: bundleOf('main', who).dsseEnvelope, bundle: bundleOf('main', who), rsaScheme: pkcs1 })),
      { label: "dave's PSS bundle", envelope: bundleOf('pss', 'dave').dsseEnvelope, bundle: bundleOf('pss', 'dave'), rsaScheme: pss },
    ];
    const results = check({ keys, envelopes });
    expect(results).toHaveLength(approvers.length * 2 + 3);
    expect(results.filter((result) => !result.verified)).toEqual([]);
    // The keyids Python computed (SHA-256 of the DER SubjectPublicKeyInfo) are the ones Conclave wrote.
    expect(new Set(results.map((result) => result.keyid))).toEqual(new Set(approvers.map((who) => published.keys[who].keyId)));
  });

  it('refuses a signature over another payload, and an RSA signature checked in the other scheme', () => {
    const envelope = envelopeOf('main');
    const tampered = { ...envelope, payload: Buffer.from(`${Buffer.from(envelope.payload, 'base64').toString()} `).toString('base64') };
    const results = check({
      keys: approvers.map((who) => published.keys[who].publicKeyPem),
      envelopes: [
        { label: 'tampered', envelope: tampered, bundle: null, rsaScheme: 'rsa-pkcs1v15-sha256' },
        { label: 'pss as pkcs1', envelope: envelopeOf('pss'), bundle: null, rsaScheme: 'rsa-pkcs1v15-sha256' },
      ],
    });
    expect(results.map((result) => [result.label, result.verified])).toEqual([...approvers.map(() => ['tampered', false]), ['pss as pkcs1', false]]);
  });
});

import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { describe, expect, it } from 'vitest';
import { SigstoreBundleError, approvalBundle, readApprovalBundle } from '../../shared/sigstore/bundle';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** A Sigstore verifier that trusts exactly these public keys, by hint, and asks for no log or timestamp. */
function sigstoreVerifier(keys: Record<string, KeyObject>): Verifier {
  return new Verifier(
    {
      certificateAuthorities: [],
      timestampAuthorities: [],
      tlogs: [],
      ctlogs: [],
      publicKey: (hint) => {
        const publicKey = keys[hint];
        if (!publicKey) throw new Error(`no key for ${hint}`);
        return { publicKey, validFor: () => true };
      },
    },
    { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
  );
}

describe('per-approver Sigstore bundles', () => {
  const payload = new TextEncoder().encode(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'x', predicate: {} }));
  const alice = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const bob = generateKeyPairSync('ed25519');
  const envelope = makeEnvelope(inTotoPayloadType, payload, [
    { keyid: keyIdOf(alice.publicKey), signature: sign('sha256', pae(inTotoPayloadType, payload), alice.privateKey) },
    { keyid: keyIdOf(bob.publicKey), signature: sign(null, pae(inTotoPayloadType, payload), bob.privateKey) },
  ]);
  const verifier = sigstoreVerifier({ [keyIdOf(alice.publicKey)]: alice.publicKey, [keyIdOf(bob.publicKey)]: bob.publicKey });

  it('are checked by @sigstore/verify with each approver\'s public key', () => {
    for (const signature of envelope.signatures) {
      const bundle = bundleFromJSON(JSON.parse(JSON.stringify(approvalBundle(envelope, signature))));
      const signer = verifier.verify(toSignedEntity(bundle));
      expect(signer.key.export({ type: 'spki', format: 'der' })).toEqual(
        (signature === envelope.signatures[0] ? alice : bob).publicKey.export({ type: 'spki', format: 'der' }),
      );
    }
  });

  it('fail that verifier when the payload was changed after signing', () => {
    const tampered = { ...envelope, payload: Buffer.from(JSON.stringify({ changed: true })).toString('base64') };
    const bundle = bundleFromJSON(JSON.parse(JSON.stringify(approvalBundle(tampered, envelope.signatures[0]!))));
    expect(() => verifier.verify(toSignedEntity(bundle))).toThrow();
  });

  it('leave the DSSE keyid empty (issue 14), and are read back by the public-key hint; bundles with a keyid still read', () => {
    const signature = envelope.signatures[0]!;
    const bundle = approvalBundle(envelope, signature);
    expect(bundle.dsseEnvelope.signatures).toEqual([{ sig: signature.sig, keyid: '' }]);
    expect(bundle.verificationMaterial).toMatchObject({ publicKey: { hint: signature.keyid } });
    const noCertificates = () => {
      throw new Error('no certificate in a key bundle');
    };
    expect(readApprovalBundle(bundle, noCertificates)).toEqual({ keyId: signature.keyid, sig: signature.sig, timestamps: [] });
    const before = { ...bundle, dsseEnvelope: { ...bundle.dsseEnvelope, signatures: [{ sig: signature.sig, keyid: signature.keyid }] }, verificationMaterial: { ...bundle.verificationMaterial, publicKey: { hint: 'another hint' } } };
    expect(readApprovalBundle(before, noCertificates).keyId).toBe(signature.keyid);
    const nameless = { ...bundle, verificationMaterial: { tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } } };
    expect(() => readApprovalBundle(nameless, noCertificates)).toThrow(SigstoreBundleError);
    expect(() => readApprovalBundle(nameless, noCertificates)).toThrow('its signature names no keyid, and it has neither a public-key hint nor a certificate');
  });
});

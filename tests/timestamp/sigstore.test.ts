/**
 * A Sigstore verifier (sigstore-js), independent of Conclave, checks an
 * approval bundle that carries a Conclave time stamp against a TSA trust root:
 * the token fits rfc3161Timestamps[].signedTimestamp once wrapped in a
 * TimeStampResp (sigstoreSignedTimestamp), which is what the bundle spec asks.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../electron/core/timestamp';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { approvalBundle } from '../../shared/sigstore/bundle';
import { sigstoreSignedTimestamp } from '../../shared/timestamp';
import { createTsaLab, withTsa, type TestCertificate, type TsaLab, type TsaServerOptions } from '../support/tsa';

let lab: TsaLab;
beforeAll(async () => {
  lab = await createTsaLab();
});
afterAll(async () => {
  await lab?.remove();
});

/** Trusts one approver key by hint and one TSA (its certificate and root, as a Sigstore trusted root lists them); needs one time stamp. */
function verifierFor(keyId: string, publicKey: KeyObject, tsa: TestCertificate): Verifier {
  return new Verifier(
    {
      certificateAuthorities: [],
      timestampAuthorities: [
        {
          certChain: [X509Certificate.parse(Buffer.from(tsa.der)), X509Certificate.parse(Buffer.from(lab.ca.der))],
          validFor: { start: new Date(0), end: new Date(8.64e15) },
        },
      ],
      tlogs: [],
      ctlogs: [],
      publicKey: (hint) => {
        if (hint !== keyId) throw new Error(`no key for ${hint}`);
        return { publicKey, validFor: () => true };
      },
    },
    { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
  );
}

async function approvalWithTimestamp(options: TsaServerOptions) {
  const approver = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyId = createHash('sha256').update(approver.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  const payload = new TextEncoder().encode('{"_type":"https://in-toto.io/Statement/v1"}');
  const envelope = makeEnvelope(inTotoPayloadType, payload, [{ keyid: keyId, signature: sign('sha256', pae(inTotoPayloadType, payload), approver.privateKey) }]);
  const signature = envelope.signatures[0]!;
  // @sigstore/core reads only times with three fractional digits, and OpenSSL rightly drops trailing zeros (".52Z"):
  // whole seconds keep this interop check from failing one time in ten for a reason that is not ours.
  const stamp = await withTsa({ clockPrecisionDigits: 0, ...options }, (tsa) => requestTimestamp(tsa.url, new Uint8Array(Buffer.from(signature.sig, 'base64')), { trust: lab.trust }));
  return { approver, keyId, envelope, signature, stamp };
}

const asBundle = (value: unknown) => bundleFromJSON(JSON.parse(JSON.stringify(value)));

describe('Sigstore bundles with a Conclave time stamp', () => {
  it('verify with @sigstore/verify against the TSA trust root (ECDSA TSA)', async () => {
    const { approver, keyId, envelope, signature, stamp } = await approvalWithTimestamp({ signer: lab.ecdsaTsa });
    const bundle = asBundle(approvalBundle(envelope, signature, [sigstoreSignedTimestamp(stamp.token)]));
    const signer = verifierFor(keyId, approver.publicKey, lab.ecdsaTsa).verify(toSignedEntity(bundle));
    expect(signer.key.export({ type: 'spki', format: 'der' })).toEqual(approver.publicKey.export({ type: 'spki', format: 'der' }));
    // The TSA's own reply is the same thing, byte for byte apart from the status OpenSSL writes.
    const asReceived = asBundle(approvalBundle(envelope, signature, [Buffer.from(stamp.response).toString('base64')]));
    expect(() => verifierFor(keyId, approver.publicKey, lab.ecdsaTsa).verify(toSignedEntity(asReceived))).not.toThrow();
  });

  it('fail when the time stamp is for another signature, from another TSA, or is the bare token', async () => {
    const first = await approvalWithTimestamp({ signer: lab.ecdsaTsa });
    const second = await approvalWithTimestamp({ signer: lab.ecdsaTsa });
    const swapped = asBundle(approvalBundle(first.envelope, first.signature, [sigstoreSignedTimestamp(second.stamp.token)]));
    expect(() => verifierFor(first.keyId, first.approver.publicKey, lab.ecdsaTsa).verify(toSignedEntity(swapped))).toThrow();
    const own = asBundle(approvalBundle(first.envelope, first.signature, [sigstoreSignedTimestamp(first.stamp.token)]));
    expect(() => verifierFor(first.keyId, first.approver.publicKey, lab.p384Tsa).verify(toSignedEntity(own))).toThrow();
    // Sigstore's signedTimestamp is a TimeStampResp: the bare token is not read as one.
    const bare = asBundle(approvalBundle(first.envelope, first.signature, [Buffer.from(first.stamp.token).toString('base64')]));
    expect(() => verifierFor(first.keyId, first.approver.publicKey, lab.ecdsaTsa).verify(toSignedEntity(bare))).toThrow();
  });

  // sigstore-js 3.1 names the hash only for ECDSA signature OIDs; for RSA it lets Node pick its default (SHA-256),
  // so an RSA TSA signing with SHA-384/512 verifies in Conclave and OpenSSL but not there. These two do.
  it.each([
    ['RSA with SHA-256', (l: TsaLab) => ({ signer: l.rsaTsa })],
    ['ECDSA P-384 with SHA-384', (l: TsaLab) => ({ signer: l.p384Tsa, signerDigest: 'sha384' as const })],
  ])('verify with @sigstore/verify from a TSA signing %s', async (_name, optionsOf) => {
    const options = optionsOf(lab);
    const { approver, keyId, envelope, signature, stamp } = await approvalWithTimestamp(options);
    const bundle = asBundle(approvalBundle(envelope, signature, [sigstoreSignedTimestamp(stamp.token)]));
    expect(() => verifierFor(keyId, approver.publicKey, options.signer).verify(toSignedEntity(bundle))).not.toThrow();
  });
});

/**
 * The publish forecast (shared/verify/forecast.ts) says which approver keys cosign 3 `--key` accepts from the key
 * type and signature scheme alone. This checks it against the cosign rules encoded from upstream source in
 * support/sigstore-go-rules.ts, over real signatures made the way Conclave makes them: for every key type, the
 * forecast and the encoded verifier agree.
 */
import { createPublicKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { keyTypeOfPublicKeyInfo } from '../../shared/keys/public-key-info';
import { cosignKeyProblem, type RsaScheme } from '../../shared/verify/forecast';
import { makeTestKey, type TestKeyKind } from '../support/test-keys';
import { cosignAcceptsBundle } from './support/sigstore-go-rules';

const payload = new TextEncoder().encode(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://conclave.dev/release-approval/v1', predicate: {} }));

// `accepted`: the table of docs/formats.md "Signature encodings".
const cases: { kind: TestKeyKind; rsaScheme?: RsaScheme; accepted: boolean }[] = [
  { kind: 'ecdsa-p256', accepted: true },
  { kind: 'ecdsa-p384', accepted: false },
  { kind: 'ecdsa-p521', accepted: false },
  { kind: 'ed25519', accepted: true },
  { kind: 'rsa-2048', rsaScheme: 'pkcs1-v1_5', accepted: true },
  { kind: 'rsa-2048', rsaScheme: 'pss', accepted: false },
];

describe('the forecast of cosign --key agrees with cosign\'s encoded rules', () => {
  it.each(cases)('$kind $rsaScheme', ({ kind, rsaScheme, accepted }) => {
    const key = makeTestKey(kind);
    const message = pae(inTotoPayloadType, payload);
    // Conclave's signatures: the curve's hash for ECDSA, PureEdDSA, RSA PKCS#1 v1.5 by default or PSS (docs/formats.md).
    const signature = rsaScheme === 'pkcs1-v1_5' ? sign('sha256', message, key.privateKey) : key.sign(message);
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: key.keyId } },
      dsseEnvelope: { payloadType: inTotoPayloadType, payload: Buffer.from(payload).toString('base64'), signatures: [{ keyid: '', sig: Buffer.from(signature).toString('base64') }] },
    };
    const encoded = cosignAcceptsBundle(bundle, createPublicKey(key.publicKeyPem));
    const forecast = cosignKeyProblem(keyTypeOfPublicKeyInfo(key.spki), rsaScheme);
    expect(encoded.accepted).toBe(accepted);
    expect(forecast === undefined).toBe(accepted);
  });
});

import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeDigester, nodeSignatureVerifier } from './node-crypto';
import { ecdsaDerToRaw } from '../../../shared/keys/ecdsa-signature';

const data = new TextEncoder().encode('DSSEv1 28 application/vnd.in-toto+json 2 {}');
const spkiOf = (key: KeyObject) => new Uint8Array(key.export({ format: 'der', type: 'spki' }));

describe('nodeDigester', () => {
  it.each(['SHA-256', 'SHA-384', 'SHA-512'] as const)('computes %s as node does', async (algorithm) => {
    const expected = createHash(algorithm.replace('-', '').toLowerCase()).update(data).digest('hex');
    expect(Buffer.from(await nodeDigester.digest(algorithm, data)).toString('hex')).toBe(expected);
  });
});

describe('nodeSignatureVerifier', () => {
  const cases = [
    ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha256', {}],
    ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'sha384', {}],
    ['ECDSA P-521', generateKeyPairSync('ec', { namedCurve: 'P-521' }), 'sha512', {}],
    ['Ed25519', generateKeyPairSync('ed25519'), null, {}],
    ['RSA PKCS#1 v1.5', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'sha256', { padding: constants.RSA_PKCS1_PADDING }],
    ['RSA PSS salt = digest', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
    ['RSA PSS salt = max', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN }],
  ] as const;

  it.each(cases)('accepts a good %s signature and refuses it over other data', async (_name, pair, hash, options) => {
    const signature = new Uint8Array(sign(hash, data, { key: pair.privateKey, ...options }));
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature)).toBe(true);
    const changed = Uint8Array.from(data);
    changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), changed, signature)).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(await nodeSignatureVerifier.verify(spkiOf(other), data, signature)).toBe(false);
  });

  it('refuses ECDSA with the wrong hash for the curve', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const signature = new Uint8Array(sign('sha256', data, pair.privateKey));
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature)).toBe(false);
  });

  it('refuses ECDSA as raw r‖s: DSSE carries DER', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = new Uint8Array(sign('sha256', data, pair.privateKey));
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, ecdsaDerToRaw(der, 32))).toBe(false);
  });

  it('refuses RSA signatures over SHA-1', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = new Uint8Array(sign('sha1', data, pair.privateKey));
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature)).toBe(false);
  });

  it('answers false, never throws, for garbage keys and signatures', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(await nodeSignatureVerifier.verify(Uint8Array.of(1, 2, 3), data, Uint8Array.of(1))).toBe(false);
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, new Uint8Array(0))).toBe(false);
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, Uint8Array.of(0x30, 0x02, 0x01))).toBe(false);
  });
});

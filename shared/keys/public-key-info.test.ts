import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecParamsForCurve, ed25519EcParams, keyIdOf, keyTypeOfPublicKeyInfo, publicKeyInfoFromToken, publicKeyPem } from './public-key-info';
import { fromBase64 } from '../encoding/base64';

const digester = {
  digest: async (_algorithm: string, data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()),
};

function jwkBytes(value: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(value!, 'base64url'));
}

describe('public keys from token attributes', () => {
  it('builds the same SubjectPublicKeyInfo as OpenSSL for an EC key, with a DER-wrapped or bare point', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const expected = publicKey.export({ type: 'spki', format: 'der' });
    const jwk = publicKey.export({ format: 'jwk' });
    const point = Uint8Array.from([4, ...jwkBytes(jwk.x), ...jwkBytes(jwk.y)]);
    const wrapped = Uint8Array.from([0x04, point.length, ...point]);
    for (const ecPoint of [wrapped, point]) {
      const info = publicKeyInfoFromToken({ kind: 'ec', ecParams: ecParamsForCurve('P-256'), ecPoint });
      expect(Buffer.from(info.spki)).toEqual(expected);
      expect(info.type).toEqual({ kind: 'ecdsa', curve: 'P-256', bits: 256 });
    }
  });

  it('builds RSA and Ed25519 keys that OpenSSL reads back unchanged', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const rsaJwk = rsa.export({ format: 'jwk' });
    const rsaInfo = publicKeyInfoFromToken({ kind: 'rsa', modulus: jwkBytes(rsaJwk.n), publicExponent: jwkBytes(rsaJwk.e) });
    expect(Buffer.from(rsaInfo.spki)).toEqual(rsa.export({ type: 'spki', format: 'der' }));
    expect(rsaInfo.type).toEqual({ kind: 'rsa', bits: 2048 });

    const ed = generateKeyPairSync('ed25519').publicKey;
    const edPoint = jwkBytes(ed.export({ format: 'jwk' }).x);
    const edInfo = publicKeyInfoFromToken({ kind: 'ec-edwards', ecParams: ed25519EcParams(), ecPoint: Uint8Array.from([0x04, 32, ...edPoint]) });
    expect(Buffer.from(edInfo.spki)).toEqual(ed.export({ type: 'spki', format: 'der' }));
    expect(keyTypeOfPublicKeyInfo(edInfo.spki)).toEqual({ kind: 'ed25519', bits: 256 });
  });

  it('accepts the "edwards25519" printable-string form of CKA_EC_PARAMS', () => {
    const ed = generateKeyPairSync('ed25519').publicKey;
    const params = Uint8Array.from([0x13, 12, ...new TextEncoder().encode('edwards25519')]);
    const info = publicKeyInfoFromToken({ kind: 'ec-edwards', ecParams: params, ecPoint: jwkBytes(ed.export({ format: 'jwk' }).x) });
    expect(Buffer.from(info.spki)).toEqual(ed.export({ type: 'spki', format: 'der' }));
  });

  it('refuses a curve Conclave does not sign with', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    expect(() => keyTypeOfPublicKeyInfo(new Uint8Array(spki))).toThrow(/curve/);
  });

  it('names a key by the hex SHA-256 of its DER SubjectPublicKeyInfo, and writes PEM OpenSSL reads', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const keyId = await keyIdOf(spki, digester);
    expect(keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(keyId).toBe(createHash('sha256').update(spki).digest('hex'));
    const pem = publicKeyPem(spki);
    expect(createPublicKey(pem).export({ type: 'spki', format: 'der' })).toEqual(Buffer.from(spki));
    expect(fromBase64(pem.split('\n')[1]!).length).toBe(48);
  });
});

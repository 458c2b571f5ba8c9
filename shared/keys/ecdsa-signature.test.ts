import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecdsaDerToRaw, ecdsaRawToDer } from './ecdsa-signature';

describe('ECDSA signatures: token raw r‖s and DER', () => {
  it.each([
    ['P-256', 'prime256v1', 32, 'sha256'],
    ['P-384', 'secp384r1', 48, 'sha384'],
  ])('converts %s signatures both ways so that OpenSSL verifies the DER form', (_name, namedCurve, size, hash) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    const message = Buffer.from('statement bytes');
    for (let i = 0; i < 20; i++) {
      // Raw signatures as a token returns them; many have a high bit or a leading zero in r or s.
      const raw = sign(hash, message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(raw.length).toBe(size * 2);
      const der = ecdsaRawToDer(new Uint8Array(raw));
      expect(verify(hash, message, publicKey, der)).toBe(true);
      expect(Buffer.from(ecdsaDerToRaw(der, size))).toEqual(raw);
    }
  });

  it('keeps INTEGERs minimal: a leading zero only before a high bit', () => {
    const raw = new Uint8Array(64);
    raw[31] = 1; // r = 1
    raw[32] = 0x80; // s has its top bit set
    const der = ecdsaRawToDer(raw);
    expect([...der.subarray(0, 5)]).toEqual([0x30, 0x26, 0x02, 0x01, 0x01]);
    expect([...der.subarray(5, 8)]).toEqual([0x02, 0x21, 0x00]);
  });

  it('refuses raw signatures that are not two equal halves', () => {
    expect(() => ecdsaRawToDer(new Uint8Array(63))).toThrow(RangeError);
  });
});

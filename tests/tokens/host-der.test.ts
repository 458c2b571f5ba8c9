/**
 * The token host writes two DER shapes itself (host-der.ts) so that it starts
 * without the ASN.1 libraries; they must be byte for byte what shared/keys
 * writes with @peculiar/asn1.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecdsaSignatureDer, objectIdentifierDer } from '../../electron/core/tokens/host/host-der';
import { curves, oids, type Curve } from '../../shared/keys/algorithms';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../../shared/keys/ecdsa-signature';
import { ecParamsForCurve, ed25519EcParams } from '../../shared/keys/public-key-info';

describe('the token host DER', () => {
  it('writes each named curve as the ECParameters shared/keys writes', () => {
    for (const curve of Object.keys(curves) as Curve[]) expect(objectIdentifierDer(curves[curve].oid)).toEqual(ecParamsForCurve(curve));
    expect(objectIdentifierDer(oids.ed25519)).toEqual(ed25519EcParams());
  });

  it('writes arcs of every size in base 128', () => {
    // X.690 §8.19.5 example: {2 999 3} is 06 03 88 37 03.
    expect(Buffer.from(objectIdentifierDer('2.999.3')).toString('hex')).toBe('0603883703');
    expect(Buffer.from(objectIdentifierDer('1.2.840.113549.1.1.1')).toString('hex')).toBe('06092a864886f70d010101');
    expect(() => objectIdentifierDer('1')).toThrow(RangeError);
    expect(() => objectIdentifierDer('1.x.3')).toThrow(RangeError);
  });

  it('writes ECDSA signatures as shared/keys does, for every curve size, high bits and leading zeros', () => {
    const halves = [32, 48, 66];
    const shaped = (half: number, first: number, second: number) => {
      const raw = randomBytes(half * 2);
      raw[0] = first;
      raw[half] = second;
      return new Uint8Array(raw);
    };
    for (const half of halves) {
      const samples = [shaped(half, 0x80, 0x01), shaped(half, 0x00, 0xff), shaped(half, 0x00, 0x00), new Uint8Array(half * 2), ...Array.from({ length: 50 }, () => new Uint8Array(randomBytes(half * 2)))];
      for (const raw of samples) {
        const der = ecdsaSignatureDer(raw);
        expect(der).toEqual(ecdsaRawToDer(raw));
        expect(ecdsaDerToRaw(der, half)).toEqual(raw);
      }
    }
    expect(() => ecdsaSignatureDer(new Uint8Array(3))).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ECParameters } from '@peculiar/asn1-ecc';
import { curveOfEcParams, objectIdentifierText } from './ec-params';

/** CKA_EC_PARAMS as @peculiar/asn1 writes a named curve: the reference this hand-written reader is checked against. */
const namedCurve = (oid: string) => new Uint8Array(AsnConvert.serialize(new ECParameters({ namedCurve: oid })));

describe('the curve a key\'s CKA_EC_PARAMS names', () => {
  it('reads OIDs as the ASN.1 library writes them', () => {
    for (const oid of ['1.2.840.10045.3.1.7', '1.3.132.0.34', '1.3.132.0.35', '1.3.132.0.10', '1.3.36.3.3.2.8.1.1.7', '2.999.1234567', '0.9.2342.19200300.100.1.1']) {
      expect(objectIdentifierText(namedCurve(oid))).toBe(oid);
    }
  });

  it('names the curves Conclave signs with, and the ones it does not', () => {
    expect(curveOfEcParams(namedCurve('1.2.840.10045.3.1.7'))).toEqual({ oid: '1.2.840.10045.3.1.7', name: 'P-256', supported: 'P-256' });
    expect(curveOfEcParams(namedCurve('1.3.101.112')).supported).toBe('Ed25519');
    // ykcs11 and PKCS#11 v3.0 §2.3.10: a PrintableString.
    expect(curveOfEcParams(Uint8Array.from([0x13, 12, ...new TextEncoder().encode('edwards25519')])).supported).toBe('Ed25519');
    expect(curveOfEcParams(namedCurve('1.3.132.0.10'))).toEqual({ oid: '1.3.132.0.10', name: 'secp256k1' });
    expect(curveOfEcParams(namedCurve('1.2.3.4'))).toEqual({ oid: '1.2.3.4', name: 'curve 1.2.3.4' });
  });

  it('refuses what is not one OBJECT IDENTIFIER', () => {
    expect(objectIdentifierText(Uint8Array.from([0x06, 0x02, 0x2a]))).toBeUndefined(); // length beyond the bytes
    expect(objectIdentifierText(Uint8Array.from([0x06, 0x01, 0x81]))).toBeUndefined(); // unterminated subidentifier
    expect(curveOfEcParams(Uint8Array.from([0x30, 0x00])).supported).toBeUndefined(); // explicit parameters
  });
});

/**
 * Tokens return ECDSA signatures as raw r‖s (PKCS#11 v2.40 §2.3.1); DSSE,
 * cosign and OpenSSL expect ASN.1 DER (RFC 3279 §2.2.3). Convert both ways.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { fixedWidthUnsigned, toArrayBuffer, unsignedIntegerContent } from './der';

export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('a raw ECDSA signature is r‖s of equal halves');
  const half = raw.length / 2;
  const value = new ECDSASigValue({
    r: toArrayBuffer(unsignedIntegerContent(raw.subarray(0, half))),
    s: toArrayBuffer(unsignedIntegerContent(raw.subarray(half))),
  });
  return new Uint8Array(AsnConvert.serialize(value));
}

export function ecdsaDerToRaw(der: Uint8Array, componentBytes: number): Uint8Array {
  const value = AsnConvert.parse(toArrayBuffer(der), ECDSASigValue);
  const out = new Uint8Array(componentBytes * 2);
  out.set(fixedWidthUnsigned(new Uint8Array(value.r), componentBytes), 0);
  out.set(fixedWidthUnsigned(new Uint8Array(value.s), componentBytes), componentBytes);
  return out;
}

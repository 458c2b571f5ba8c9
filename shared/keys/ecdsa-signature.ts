/**
 * Tokens return ECDSA signatures as raw r‖s (PKCS#11 v2.40 §2.3.1); DSSE,
 * cosign and OpenSSL expect ASN.1 DER (RFC 3279 §2.2.3). Convert both ways,
 * with the DER reader of spki-der.ts (strict: minimal INTEGERs, nothing after
 * the end), which loads far faster than the ASN.1 library.
 */
import { fixedWidthUnsigned, unsignedIntegerContent } from './der';
import { derElement, readIntegerSequence } from './spki-der';

export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('a raw ECDSA signature is r‖s of equal halves');
  const half = raw.length / 2;
  return derElement(0x30, derElement(0x02, unsignedIntegerContent(raw.subarray(0, half))), derElement(0x02, unsignedIntegerContent(raw.subarray(half))));
}

export function ecdsaDerToRaw(der: Uint8Array, componentBytes: number): Uint8Array {
  const [r, s] = readIntegerSequence(der, 2) as [Uint8Array, Uint8Array];
  const out = new Uint8Array(componentBytes * 2);
  out.set(fixedWidthUnsigned(r, componentBytes), 0);
  out.set(fixedWidthUnsigned(s, componentBytes), componentBytes);
  return out;
}

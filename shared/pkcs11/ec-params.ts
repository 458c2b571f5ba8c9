/**
 * What curve a key's CKA_EC_PARAMS names (PKCS#11 v2.40 §2.3.3: DER
 * ECParameters, in practice a namedCurve OBJECT IDENTIFIER; v3.0 §2.3.10 also
 * allows a PrintableString such as "edwards25519"). Read from the key, never
 * assumed, so that a key on a curve Conclave does not sign with (secp256k1,
 * brainpool) is named as such. Pure and without ASN.1 libraries: the token
 * host, a thread of every signing command, uses it too (issue 11).
 */

/** The curves Conclave signs with, by the names shared/keys uses. */
export type SupportedCurve = 'P-256' | 'P-384' | 'P-521' | 'Ed25519';

/** Named curves a token may hold, by OID (SEC 2 §A.2, RFC 5639 §4.1, RFC 8410 §3). */
const namedCurves: Record<string, { name: string; supported?: SupportedCurve }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', supported: 'P-256' },
  '1.3.132.0.34': { name: 'P-384', supported: 'P-384' },
  '1.3.132.0.35': { name: 'P-521', supported: 'P-521' },
  '1.3.101.112': { name: 'Ed25519', supported: 'Ed25519' },
  '1.3.101.113': { name: 'Ed448' },
  '1.3.132.0.10': { name: 'secp256k1' },
  '1.3.132.0.33': { name: 'P-224 (secp224r1)' },
  '1.2.840.10045.3.1.1': { name: 'P-192 (prime192v1)' },
  '1.3.36.3.3.2.8.1.1.7': { name: 'brainpoolP256r1' },
  '1.3.36.3.3.2.8.1.1.11': { name: 'brainpoolP384r1' },
  '1.3.36.3.3.2.8.1.1.13': { name: 'brainpoolP512r1' },
  '1.2.156.10197.1.301': { name: 'SM2' },
};

export interface EcCurveName {
  /** As a person reads it: "P-256", "secp256k1", or the OID when the curve has no name here. */
  name: string;
  /** The dotted OID, when the parameters are one. */
  oid?: string;
  /** Set when Conclave signs with this curve. */
  supported?: SupportedCurve;
}

/** Dotted text of a DER OBJECT IDENTIFIER (X.690 §8.19), or undefined when the bytes are not one. */
export function objectIdentifierText(der: Uint8Array): string | undefined {
  if (der.length < 3 || der[0] !== 0x06 || der[1]! >= 0x80 || der[1] !== der.length - 2) return undefined;
  const arcs: number[] = [];
  let value = 0;
  for (const byte of der.subarray(2)) {
    value = value * 128 + (byte & 0x7f);
    if (!Number.isSafeInteger(value)) return undefined;
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  // The last subidentifier must end (its high bit clear).
  return (der[der.length - 1]! & 0x80) === 0 ? arcs.join('.') : undefined;
}

/** The curve CKA_EC_PARAMS names, whether or not Conclave signs with it. */
export function curveOfEcParams(ecParams: Uint8Array): EcCurveName {
  // PrintableString (tag 0x13) "edwards25519" / "curve25519": ykcs11 and PKCS#11 v3.0 §2.3.10.
  if (ecParams[0] === 0x13 && ecParams[1] === ecParams.length - 2) {
    const text = String.fromCharCode(...ecParams.subarray(2));
    if (text === 'edwards25519') return { name: 'Ed25519', supported: 'Ed25519' };
    return { name: text };
  }
  const oid = objectIdentifierText(ecParams);
  if (oid === undefined) return { name: 'explicit or unreadable curve parameters' };
  const known = namedCurves[oid];
  return known ? { oid, ...known } : { name: `curve ${oid}`, oid };
}

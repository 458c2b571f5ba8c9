/**
 * A token describes a public key by attributes (CKA_EC_PARAMS and CKA_EC_POINT,
 * or CKA_MODULUS and CKA_PUBLIC_EXPONENT). Everyone else names it by its DER
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): PEM, keyid, policies.
 */
import { curves, oids, type Curve, type KeyType } from './algorithms';
import { unsignedIntegerContent, unwrapOctetString } from './der';
import { derElement, derOid, namedCurveOf, readRsaPublicKey, readSubjectPublicKeyInfo, writeSubjectPublicKeyInfo } from './spki-der';
import { toHex } from '../encoding/hex';
import { toPem } from '../encoding/pem';

/** DER NULL: rsaEncryption's parameters (RFC 3279 §2.3.1). */
const derNull = Uint8Array.of(0x05, 0x00);

export type TokenPublicKey =
  | { kind: 'ec'; ecParams: Uint8Array; ecPoint: Uint8Array }
  | { kind: 'ec-edwards'; ecParams: Uint8Array; ecPoint: Uint8Array }
  | { kind: 'rsa'; modulus: Uint8Array; publicExponent: Uint8Array };

export class UnsupportedKeyError extends Error {}

/** DER of OBJECT IDENTIFIER for a curve, as CKA_EC_PARAMS takes it. */
export function ecParamsForCurve(curve: Curve): Uint8Array {
  return derOid(curves[curve].oid);
}

export function ed25519EcParams(): Uint8Array {
  return derOid(oids.ed25519);
}

function curveOfParams(ecParams: Uint8Array): Curve {
  const oid = namedCurveOf(ecParams);
  const curve = (Object.keys(curves) as Curve[]).find((name) => curves[name].oid === oid);
  if (!curve) throw new UnsupportedKeyError('EC key on a curve Conclave does not sign with (P-256, P-384, P-521)');
  return curve;
}

function isEd25519Params(ecParams: Uint8Array): boolean {
  // PKCS#11 v3.0 §2.3.10 allows the OID or the PrintableString "edwards25519".
  const printable = new TextDecoder().decode(ecParams.subarray(2));
  if (ecParams[0] === 0x13 && printable === 'edwards25519') return true;
  return namedCurveOf(ecParams) === oids.ed25519;
}

/** CKA_EC_POINT is a DER OCTET STRING by the spec, but some modules return the bare point. */
function pointBytes(ecPoint: Uint8Array, expectedLength: number): Uint8Array {
  if (ecPoint.length === expectedLength) return ecPoint;
  const inner = unwrapOctetString(ecPoint);
  if (inner && inner.length === expectedLength) return inner;
  throw new UnsupportedKeyError('the token returned an EC point of an unexpected size');
}

export interface PublicKeyInfo {
  type: KeyType;
  spki: Uint8Array;
}

export function publicKeyInfoFromToken(key: TokenPublicKey): PublicKeyInfo {
  if (key.kind === 'ec') {
    const curve = curveOfParams(key.ecParams);
    const point = pointBytes(key.ecPoint, 1 + 2 * curves[curve].bytes);
    // The named curve as DER, whatever spelling the token's CKA_EC_PARAMS used.
    const spki = writeSubjectPublicKeyInfo(oids.ecPublicKey, ecParamsForCurve(curve), point);
    const bits = curve === 'P-521' ? 521 : curves[curve].bytes * 8;
    return { type: { kind: 'ecdsa', curve, bits }, spki };
  }
  if (key.kind === 'ec-edwards') {
    if (!isEd25519Params(key.ecParams)) throw new UnsupportedKeyError('Edwards key on a curve other than Ed25519');
    const spki = writeSubjectPublicKeyInfo(oids.ed25519, undefined, pointBytes(key.ecPoint, 32));
    return { type: { kind: 'ed25519', bits: 256 }, spki };
  }
  const modulus = unsignedIntegerContent(key.modulus);
  const rsaKey = derElement(0x30, derElement(0x02, modulus), derElement(0x02, unsignedIntegerContent(key.publicExponent)));
  const spki = writeSubjectPublicKeyInfo(oids.rsaEncryption, derNull, rsaKey);
  const bits = (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8;
  return { type: { kind: 'rsa', bits }, spki };
}

export function publicKeyPem(spki: Uint8Array): string {
  return toPem('PUBLIC KEY', spki);
}

/** The hash functions shared/ needs, in WebCrypto's shape, supplied by whoever runs it. */
export interface Digester {
  digest(algorithm: 'SHA-256' | 'SHA-384' | 'SHA-512', data: Uint8Array): Promise<Uint8Array>;
}

/** DSSE keyid: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
export async function keyIdOf(spki: Uint8Array, digester: Digester): Promise<string> {
  return toHex(await digester.digest('SHA-256', spki));
}

/** What kind of key a DER SubjectPublicKeyInfo holds (for keys known only by their certificate). */
export function keyTypeOfPublicKeyInfo(spki: Uint8Array): KeyType {
  const info = readSubjectPublicKeyInfo(spki);
  if (info.algorithm === oids.ed25519) return { kind: 'ed25519', bits: 256 };
  if (info.algorithm === oids.ecPublicKey && info.parameters) {
    const curve = curveOfParams(info.parameters);
    return { kind: 'ecdsa', curve, bits: curve === 'P-521' ? 521 : curves[curve].bytes * 8 };
  }
  if (info.algorithm === oids.rsaEncryption) {
    const { modulus } = readRsaPublicKey(info.subjectPublicKey);
    return { kind: 'rsa', bits: (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8 };
  }
  throw new UnsupportedKeyError('a public key type Conclave does not sign with');
}

/**
 * The two DER shapes the token host writes itself, so that a host (a thread
 * of every CLI command that signs) starts without the ASN.1 libraries
 * (issue 11): a named curve's ECParameters, which is its OBJECT IDENTIFIER
 * (RFC 5480 §2.1.1), and an ECDSA-Sig-Value, SEQUENCE { r INTEGER, s INTEGER }
 * (RFC 3279 §2.2.3). tests/tokens/host-der.test.ts checks both against
 * shared/keys, which does the same with @peculiar/asn1.
 */
import { unsignedIntegerContent } from '../../../../shared/keys/der';

/** A DER length octet sequence (X.690 §8.1.3: short form below 128, else long form). */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return [0x80 | octets.length, ...octets];
}

function tagged(tag: number, content: Uint8Array): Uint8Array {
  const header = [tag, ...derLength(content.length)];
  const out = new Uint8Array(header.length + content.length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

/** OBJECT IDENTIFIER from dotted text (X.690 §8.19): the first two arcs in one subidentifier, each in base 128. */
export function objectIdentifierDer(oid: string): Uint8Array {
  const arcs = oid.split('.').map((arc) => Number(arc));
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) throw new RangeError(`not an object identifier: ${oid}`);
  const content: number[] = [];
  for (const value of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const septets = [value % 128];
    for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) septets.unshift(0x80 | rest % 128);
    content.push(...septets);
  }
  return tagged(0x06, Uint8Array.from(content));
}

/** A raw r‖s signature (PKCS#11 v2.40 §2.3.1) as DER, the way DSSE, cosign and OpenSSL expect it. */
export function ecdsaSignatureDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('a raw ECDSA signature is r‖s of equal halves');
  const half = raw.length / 2;
  const r = tagged(0x02, unsignedIntegerContent(raw.subarray(0, half)));
  const s = tagged(0x02, unsignedIntegerContent(raw.subarray(half)));
  const both = new Uint8Array(r.length + s.length);
  both.set(r, 0);
  both.set(s, r.length);
  return tagged(0x30, both);
}

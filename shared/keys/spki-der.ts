/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) read and written as DER directly.
 *
 * Why not the ASN.1 library used for certificates: an SPKI is three fixed
 * levels (SEQUENCE { SEQUENCE { OID, parameters }, BIT STRING }), and every
 * command reads public keys — a policy's approvers, a token's keys — while
 * loading asn1js and @peculiar's X.509 schemas (their classes are defined as
 * the code loads) costs every command some 15–20 ms (issue 11). Certificates,
 * CMS and time stamps still go through the library.
 *
 * The reader accepts DER only: definite, minimal lengths; minimal INTEGERs
 * and OID arcs; a BIT STRING without unused bits; nothing after the end. One
 * key therefore has one encoding, and one keyid.
 */

export class DerError extends Error {}

interface Element {
  tag: number;
  /** Offset of the tag in the bytes it was read from. */
  start: number;
  content: Uint8Array;
  /** Offset just past this element in the bytes it was read from. */
  end: number;
}

/** One TLV at `offset`, with a DER length: short form below 128, else the fewest length bytes, never indefinite. */
function readElement(bytes: Uint8Array, offset: number): Element {
  if (offset + 2 > bytes.length) throw new DerError('truncated');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tag');
  const first = bytes[offset + 1]!;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length');
    if (count > 3) throw new DerError('length too large');
    if (offset + 2 + count > bytes.length) throw new DerError('truncated');
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[offset + 2 + index]!;
    if (length < 0x80 || bytes[offset + 2] === 0) throw new DerError('length not minimal');
    header = 2 + count;
  }
  const start = offset + header;
  if (start + length > bytes.length) throw new DerError('truncated');
  return { tag, start: offset, content: bytes.subarray(start, start + length), end: start + length };
}

/** The elements that exactly fill `bytes`. */
function readElements(bytes: Uint8Array): Element[] {
  const elements: Element[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const element = readElement(bytes, offset);
    elements.push(element);
    offset = element.end;
  }
  return elements;
}

function readOnly(bytes: Uint8Array, tag: number): Element {
  const element = readElement(bytes, 0);
  if (element.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  if (element.end !== bytes.length) throw new DerError('data after the end');
  return element;
}

function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  let fresh = true;
  for (const byte of content) {
    if (fresh && byte === 0x80) throw new DerError('OBJECT IDENTIFIER arc not minimal');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OBJECT IDENTIFIER arc too large');
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0;
    }
  }
  if (!fresh) throw new DerError('truncated OBJECT IDENTIFIER');
  const head = arcs[0]!;
  const top = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [top, head - top * 40, ...arcs.slice(1)].join('.');
}

/** A DER INTEGER's content, minimal and, for a key's modulus or exponent, positive. */
function positiveInteger(element: Element): Uint8Array {
  const { content } = element;
  if (element.tag !== 0x02 || content.length === 0) throw new DerError('expected an INTEGER');
  if (content.length > 1 && ((content[0] === 0x00 && content[1]! < 0x80) || (content[0] === 0xff && content[1]! >= 0x80))) throw new DerError('INTEGER not minimal');
  if (content[0]! & 0x80) throw new DerError('negative INTEGER');
  return content;
}

export interface DerPublicKeyInfo {
  /** The algorithm's OBJECT IDENTIFIER, dotted. */
  algorithm: string;
  /** The whole parameters element (tag, length, content), when there is one. */
  parameters?: Uint8Array;
  /** The BIT STRING's bits (no unused bits allowed). */
  subjectPublicKey: Uint8Array;
}

/** Reads a DER SubjectPublicKeyInfo; throws DerError on anything not strict DER or not that shape. */
export function readSubjectPublicKeyInfo(der: Uint8Array): DerPublicKeyInfo {
  const outer = readOnly(der, 0x30);
  const [algorithmIdentifier, bitString, ...rest] = readElements(outer.content);
  if (!algorithmIdentifier || algorithmIdentifier.tag !== 0x30 || !bitString || bitString.tag !== 0x03 || rest.length > 0) throw new DerError('not a SubjectPublicKeyInfo');
  const [oid, parameters, ...more] = readElements(algorithmIdentifier.content);
  if (!oid || oid.tag !== 0x06 || more.length > 0) throw new DerError('not an AlgorithmIdentifier');
  if (bitString.content.length === 0 || bitString.content[0] !== 0) throw new DerError('BIT STRING with unused bits');
  const parametersStart = parameters ? oid.end : 0;
  return {
    algorithm: decodeOid(oid.content),
    ...(parameters ? { parameters: algorithmIdentifier.content.subarray(parametersStart, parameters.end) } : {}),
    subjectPublicKey: bitString.content.subarray(1),
  };
}

/**
 * The DER SubjectPublicKeyInfo inside a DER X.509 certificate (RFC 5280
 * §4.1: tbsCertificate's [0] version, serialNumber, signature, issuer,
 * validity, subject, then subjectPublicKeyInfo). The certificate itself is
 * checked, when it must be, by shared/x509.
 */
export function subjectPublicKeyInfoOfCertificate(der: Uint8Array): Uint8Array {
  const [tbsCertificate] = readElements(readOnly(der, 0x30).content);
  if (!tbsCertificate || tbsCertificate.tag !== 0x30) throw new DerError('not a certificate');
  const fields = readElements(tbsCertificate.content);
  const spki = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 5];
  if (!spki || spki.tag !== 0x30) throw new DerError('not a certificate');
  return tbsCertificate.content.slice(spki.start, spki.end);
}

/** The OID of an ECParameters namedCurve (RFC 5480 §2.1.1); undefined for any other form. */
export function namedCurveOf(ecParams: Uint8Array): string | undefined {
  try {
    return decodeOid(readOnly(ecParams, 0x06).content);
  } catch {
    return undefined;
  }
}

/** The contents of a DER SEQUENCE of exactly `count` non-negative, minimal INTEGERs (an RSAPublicKey, an ECDSA Sig-Value). */
export function readIntegerSequence(der: Uint8Array, count: number): Uint8Array[] {
  const elements = readElements(readOnly(der, 0x30).content);
  if (elements.length !== count) throw new DerError(`expected a SEQUENCE of ${count} INTEGERs`);
  return elements.map(positiveInteger);
}

/** The modulus (INTEGER content, a leading 0x00 kept) and exponent of a DER RSAPublicKey (RFC 8017 §A.1.1). */
export function readRsaPublicKey(der: Uint8Array): { modulus: Uint8Array; publicExponent: Uint8Array } {
  const [modulus, publicExponent] = readIntegerSequence(der, 2) as [Uint8Array, Uint8Array];
  return { modulus, publicExponent };
}

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One DER element of `tag` around the given contents, in order. */
export function derElement(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...encodeLength(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** DER OBJECT IDENTIFIER for a dotted OID. */
export function derOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  const body: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const group = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) group.unshift(0x80 | (rest & 0x7f));
    body.push(...group);
  }
  return derElement(0x06, Uint8Array.from(body));
}

/** DER SubjectPublicKeyInfo of an algorithm, its parameters element (if any) and the key's bits. */
export function writeSubjectPublicKeyInfo(algorithm: string, parameters: Uint8Array | undefined, subjectPublicKey: Uint8Array): Uint8Array {
  const algorithmIdentifier = parameters ? derElement(0x30, derOid(algorithm), parameters) : derElement(0x30, derOid(algorithm));
  return derElement(0x30, algorithmIdentifier, derElement(0x03, Uint8Array.of(0), subjectPublicKey));
}

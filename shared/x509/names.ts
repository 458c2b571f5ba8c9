/**
 * Distinguished names: read from the DER exactly as signed, shown as RFC 4514
 * strings (most specific RDN first, as OpenSSL's -nameopt RFC2253, Go and
 * Notation print them), and compared for chaining. Names written in a policy:
 * rfc4514.ts.
 */
import { bytesEqual } from '../encoding/bytes';
import { DerError, children, contentBytes, decodeOid, elementBytes, singleElement } from './der';

export interface NameAttribute {
  /** Dotted OID of the attribute type. */
  type: string;
  /** RFC 4514 short name (CN, O, …) when it has one. */
  shortName?: string;
  /** The value as text when it is a string type; undefined for other types (see valueDer). */
  value?: string;
  /** DER of the whole value element (tag, length, content): what RFC 4514 "#hex" denotes. */
  valueDer: Uint8Array;
}

export interface DistinguishedName {
  /** RFC 4514 string, e.g. "CN=Alice,OU=Release,O=Acme,C=US". */
  rfc4514: string;
  /** Relative distinguished names in DER order (least specific first), each a set of attributes. */
  rdns: NameAttribute[][];
  /** DER of the Name as it appears in the certificate. */
  der: Uint8Array;
}

/** RFC 4514 §3 names, plus serialNumber and emailAddress, which OpenSSL prints by name too. */
const shortNames: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'emailAddress',
};
const typesByShortName = new Map(Object.entries(shortNames).map(([oid, name]) => [name.toLowerCase(), oid]));

/** The OID for a short name, case-insensitively (RFC 4514 §3: "cn" is "CN"). */
export function typeOfShortName(name: string): string | undefined {
  return typesByShortName.get(name.toLowerCase());
}

export const commonNameOid = '2.5.4.3';

function decodeString(tag: number, content: Uint8Array): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8', { fatal: true }).decode(content);
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      for (const byte of content) if (byte > 0x7f) throw new DerError('non-ASCII byte in an ASCII string type');
      return String.fromCharCode(...content);
    case 0x14: // TeletexString: in practice Latin-1, as OpenSSL reads it
      return String.fromCharCode(...content);
    case 0x1e: {
      // BMPString: UTF-16BE (decoded by hand: not every runtime's TextDecoder has utf-16be).
      if (content.length % 2) throw new DerError('odd-length BMPString');
      let text = '';
      for (let i = 0; i < content.length; i += 2) text += String.fromCharCode((content[i]! << 8) | content[i + 1]!);
      return text;
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      if (content.length % 4) throw new DerError('UniversalString length not a multiple of 4');
      let text = '';
      for (let i = 0; i < content.length; i += 4) text += String.fromCodePoint(((content[i]! << 24) >>> 0) + (content[i + 1]! << 16) + (content[i + 2]! << 8) + content[i + 3]!);
      return text;
    }
    default:
      return undefined;
  }
}

/** A DER Name (SEQUENCE OF SET OF AttributeTypeAndValue) read without re-encoding. Throws DerError. */
export function readName(der: Uint8Array): DistinguishedName {
  const outer = singleElement(der);
  if (outer.tag !== 0x30) throw new DerError('a Name is a SEQUENCE');
  const rdns: NameAttribute[][] = [];
  for (const set of children(der, outer)) {
    if (set.tag !== 0x31) throw new DerError('an RDN is a SET');
    const attributes: NameAttribute[] = [];
    for (const pair of children(der, set)) {
      if (pair.tag !== 0x30) throw new DerError('an attribute is a SEQUENCE');
      const [typeTlv, valueTlv, extra] = children(der, pair);
      if (!typeTlv || typeTlv.tag !== 0x06 || !valueTlv || extra) throw new DerError('an attribute is a type and a value');
      const type = decodeOid(contentBytes(der, typeTlv));
      const value = decodeString(valueTlv.tag, contentBytes(der, valueTlv));
      const shortName = shortNames[type];
      attributes.push({ type, ...(shortName ? { shortName } : {}), ...(value !== undefined ? { value } : {}), valueDer: Uint8Array.from(elementBytes(der, valueTlv)) });
    }
    if (attributes.length === 0) throw new DerError('an empty RDN');
    rdns.push(attributes);
  }
  return { rfc4514: formatRdns(rdns), rdns, der: Uint8Array.from(der) };
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** RFC 4514 §2.4 escaping. */
function escapeValue(value: string): string {
  let out = value.replace(/[\\,+"<>;]/g, (character) => `\\${character}`).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function formatAttribute(attribute: NameAttribute): string {
  if (attribute.shortName && attribute.value !== undefined) return `${attribute.shortName}=${escapeValue(attribute.value)}`;
  // Types without a short name are written as dotted OIDs with the value's BER in hex (RFC 4514 §2.4).
  return `${attribute.shortName ?? attribute.type}=#${hex(attribute.valueDer)}`;
}

/** Most specific first; within a multi-valued RDN too, so the string is the one OpenSSL's -nameopt RFC2253 prints. */
function formatRdns(rdns: NameAttribute[][]): string {
  return [...rdns]
    .reverse()
    .map((rdn) => [...rdn].reverse().map(formatAttribute).join('+'))
    .join(',');
}

/**
 * Whether two names are the same for chaining (RFC 5280 §7.1): same RDNs in
 * the same order, attributes within an RDN in any order, string values
 * compared after trimming, collapsing inner spaces and folding case (what
 * OpenSSL's canonical form does). Certificates that chain byte-for-byte, as
 * every CA's do, compare equal at the first test.
 */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (bytesEqual(a.der, b.der)) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  return a.rdns.every((rdn, index) => canonicalRdn(rdn) === canonicalRdn(b.rdns[index]!));
}

function canonicalRdn(rdn: NameAttribute[]): string {
  return rdn
    .map((attribute) => {
      const value = attribute.value !== undefined ? `s:${attribute.value.trim().replace(/\s+/g, ' ').toLowerCase()}` : `x:${hex(attribute.valueDer)}`;
      return JSON.stringify([attribute.type, value]);
    })
    .sort()
    .join('+');
}

/** The values of one attribute type (e.g. every CN). */
export function attributeValues(name: DistinguishedName, type: string): string[] {
  return name.rdns.flat().flatMap((attribute) => (attribute.type === type && attribute.value !== undefined ? [attribute.value] : []));
}

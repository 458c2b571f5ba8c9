/**
 * The certificate extensions Conclave reads, decoded into plain values. Any
 * other extension is kept as bytes; a critical one among them makes chain
 * validation refuse the certificate (RFC 5280 §4.2).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { toArrayBuffer } from '../keys/der';
import { toHex } from '../encoding/hex';

export const extensionOids = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
} as const;

/** Extensions whose meaning chain validation applies, so they may be critical. */
export const processedExtensions: ReadonlySet<string> = new Set([
  extensionOids.keyUsage,
  extensionOids.subjectAltName,
  extensionOids.basicConstraints,
  extensionOids.extendedKeyUsage,
  extensionOids.subjectKeyIdentifier,
  extensionOids.authorityKeyIdentifier,
]);

/** Extended key usage OIDs callers commonly ask for. */
export const extendedKeyUsages = {
  any: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

export const keyUsageNames = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof keyUsageNames)[number];

export interface Extension {
  oid: string;
  critical: boolean;
  /** DER of the extension value (the content of extnValue). */
  value: Uint8Array;
}

export interface SubjectAltNames {
  email: string[];
  dns: string[];
  uri: string[];
  ip: string[];
}

export interface DecodedExtensions {
  subjectAltNames: SubjectAltNames;
  /** Undefined when the certificate has no keyUsage extension (RFC 5280: no restriction). */
  keyUsage?: KeyUsageName[];
  /** Undefined when the certificate has no extendedKeyUsage extension. */
  extendedKeyUsage?: string[];
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** Lowercase hex. */
  subjectKeyIdentifier?: string;
  /** Lowercase hex of the keyIdentifier field, when the extension has one. */
  authorityKeyIdentifier?: string;
  /** URIs of the CRL distribution points (full names only). */
  crlDistributionPoints: string[];
}

/** Decode the extensions Conclave reads. Throws (any error) when one of them is malformed. */
export function decodeExtensions(extensions: readonly Extension[]): DecodedExtensions {
  const decoded: DecodedExtensions = { subjectAltNames: { email: [], dns: [], uri: [], ip: [] }, crlDistributionPoints: [] };
  for (const extension of extensions) {
    const value = toArrayBuffer(extension.value);
    switch (extension.oid) {
      case extensionOids.subjectAltName:
        for (const name of AsnConvert.parse(value, SubjectAlternativeName)) {
          if (name.rfc822Name !== undefined) decoded.subjectAltNames.email.push(name.rfc822Name);
          if (name.dNSName !== undefined) decoded.subjectAltNames.dns.push(name.dNSName);
          if (name.uniformResourceIdentifier !== undefined) decoded.subjectAltNames.uri.push(name.uniformResourceIdentifier);
          if (name.iPAddress !== undefined) decoded.subjectAltNames.ip.push(name.iPAddress);
        }
        break;
      case extensionOids.keyUsage: {
        const flags = AsnConvert.parse(value, KeyUsage).toNumber();
        decoded.keyUsage = keyUsageNames.filter((_name, bit) => flags & (1 << bit));
        break;
      }
      case extensionOids.extendedKeyUsage:
        decoded.extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
        break;
      case extensionOids.basicConstraints: {
        const constraints = AsnConvert.parse(value, BasicConstraints);
        const pathLen = constraints.pathLenConstraint;
        if (pathLen !== undefined && (!Number.isSafeInteger(pathLen) || pathLen < 0)) throw new RangeError('pathLenConstraint out of range');
        decoded.basicConstraints = { ca: constraints.cA, ...(pathLen !== undefined ? { pathLen } : {}) };
        break;
      }
      case extensionOids.subjectKeyIdentifier:
        decoded.subjectKeyIdentifier = toHex(new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer));
        break;
      case extensionOids.authorityKeyIdentifier: {
        const keyIdentifier = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier;
        if (keyIdentifier) decoded.authorityKeyIdentifier = toHex(new Uint8Array(keyIdentifier.buffer));
        break;
      }
      case extensionOids.crlDistributionPoints:
        for (const point of AsnConvert.parse(value, CRLDistributionPoints)) {
          for (const name of point.distributionPoint?.fullName ?? []) {
            if (name.uniformResourceIdentifier !== undefined) decoded.crlDistributionPoints.push(name.uniformResourceIdentifier);
          }
        }
        break;
      default:
        break;
    }
  }
  return decoded;
}

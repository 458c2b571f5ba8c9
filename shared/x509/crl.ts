/**
 * A certificate revocation list (RFC 5280 §5) as Conclave uses it: who issued
 * it, when, until when it is fresh, what it covers, and which serial numbers
 * it lists with their dates and reasons.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, CertificateList, CRLReason, InvalidityDate, IssuingDistributionPoint } from '@peculiar/asn1-x509';
import { toArrayBuffer } from '../keys/der';
import { toHex } from '../encoding/hex';
import { children, contentBytes, elementBytes, integerHex, singleElement, type Tlv } from './der';
import type { Extension } from './extensions';
import { readName, type DistinguishedName } from './names';
import { signatureAlgorithmOf, type NamedSignatureAlgorithm } from './signature-algorithms';
import { pemBlocks } from './pem-blocks';
import { X509Error } from './errors';

export const revocationReasons = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof revocationReasons)[number];

/** CRLReason codes (RFC 5280 §5.3.1); 7 is unused. */
const reasonByCode = new Map<number, RevocationReason>(revocationReasons.map((reason, index) => [index < 7 ? index : index + 1, reason]));

export interface CrlEntry {
  /** Lowercase hex, as ParsedCertificate.serialNumber. */
  serialNumber: string;
  revocationDate: Date;
  reason?: RevocationReason;
  /** When the CA says the key became unsafe, if it says (RFC 5280 §5.3.2). */
  invalidityDate?: Date;
  unprocessedCriticalExtensions: string[];
}

export interface CrlScope {
  onlyUserCertificates: boolean;
  onlyCaCertificates: boolean;
  onlyAttributeCertificates: boolean;
  /** A partial CRL listing only some reasons: Conclave does not rely on one. */
  onlySomeReasons: boolean;
  /** Lists certificates of other issuers: Conclave does not rely on one. */
  indirect: boolean;
}

export interface ParsedCrl {
  der: Uint8Array;
  tbs: Uint8Array;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate?: Date;
  entries: CrlEntry[];
  authorityKeyIdentifier?: string;
  /** Lowercase hex of the CRL number, when present. */
  crlNumber?: string;
  /** A delta CRL (only changes since a base CRL). */
  delta: boolean;
  scope: CrlScope;
  signatureAlgorithm: NamedSignatureAlgorithm;
  signature: Uint8Array;
  extensions: Extension[];
  unprocessedCriticalExtensions: string[];
}

const crlExtensionOids = {
  authorityKeyIdentifier: '2.5.29.35',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCrl: '2.5.29.46',
};
const processedCrlExtensions = new Set([crlExtensionOids.authorityKeyIdentifier, crlExtensionOids.crlNumber, crlExtensionOids.issuingDistributionPoint]);
const entryExtensionOids = { reasonCode: '2.5.29.21', invalidityDate: '2.5.29.24' };

function invalid(detail: string): X509Error {
  return new X509Error('certificate-crl-invalid', `This is not a CRL Conclave can read (${detail}). Download the CRL again from the CA's distribution point, as DER or PEM ("-----BEGIN X509 CRL-----").`);
}

function toExtensions(list: readonly { extnID: string; critical: boolean; extnValue: { buffer: ArrayBuffer } }[] | undefined): Extension[] {
  return Array.from(list ?? [], (extension) => ({ oid: extension.extnID, critical: extension.critical, value: new Uint8Array(extension.extnValue.buffer) }));
}

function readIntegerHex(value: Uint8Array): string {
  const tlv = singleElement(value);
  if (tlv.tag !== 0x02) throw new RangeError('not an INTEGER');
  return integerHex(contentBytes(value, tlv));
}

function readEntry(entry: NonNullable<CertificateList['tbsCertList']['revokedCertificates']>[number]): CrlEntry {
  const extensions = toExtensions(entry.crlEntryExtensions);
  const out: CrlEntry = {
    serialNumber: integerHex(new Uint8Array(entry.userCertificate)),
    revocationDate: entry.revocationDate.getTime(),
    unprocessedCriticalExtensions: [],
  };
  for (const extension of extensions) {
    if (extension.oid === entryExtensionOids.reasonCode) {
      const reason = reasonByCode.get(AsnConvert.parse(toArrayBuffer(extension.value), CRLReason).reason);
      if (!reason) throw new RangeError('unknown revocation reason');
      out.reason = reason;
    } else if (extension.oid === entryExtensionOids.invalidityDate) {
      out.invalidityDate = AsnConvert.parse(toArrayBuffer(extension.value), InvalidityDate).value;
    } else if (extension.critical) {
      // e.g. certificateIssuer (indirect CRLs).
      out.unprocessedCriticalExtensions.push(extension.oid);
    }
  }
  return out;
}

/** Parse a DER CRL. Throws X509Error('certificate-crl-invalid'). */
export function parseCrl(der: Uint8Array): ParsedCrl {
  let parts: Tlv[];
  let tbsParts: Tlv[];
  try {
    const outer = singleElement(der);
    if (outer.tag !== 0x30) throw new RangeError('not a SEQUENCE');
    parts = children(der, outer);
    tbsParts = parts[0] ? children(der, parts[0]) : [];
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'bad DER');
  }
  const [tbsTlv, , signatureTlv] = parts;
  const fields = tbsParts[0]?.tag === 0x02 ? tbsParts.slice(1) : tbsParts;
  const issuerTlv = fields[1];
  if (parts.length !== 3 || !tbsTlv || tbsTlv.tag !== 0x30 || !signatureTlv || signatureTlv.tag !== 0x03 || !issuerTlv) throw invalid('not a CertificateList SEQUENCE');
  const signatureContent = contentBytes(der, signatureTlv);
  if (signatureContent[0] !== 0) throw invalid('the signature is not a whole-byte BIT STRING');

  try {
    const list = AsnConvert.parse(toArrayBuffer(der), CertificateList);
    const tbs = list.tbsCertList;
    if (!list.signatureAlgorithm.isEqual(tbs.signature)) throw new RangeError('the two signature algorithm fields differ');
    const extensions = toExtensions(tbs.crlExtensions);
    const scope: CrlScope = { onlyUserCertificates: false, onlyCaCertificates: false, onlyAttributeCertificates: false, onlySomeReasons: false, indirect: false };
    let authorityKeyIdentifier: string | undefined;
    let crlNumber: string | undefined;
    for (const extension of extensions) {
      const value = toArrayBuffer(extension.value);
      if (extension.oid === crlExtensionOids.authorityKeyIdentifier) {
        const keyIdentifier = AsnConvert.parse(value, AuthorityKeyIdentifier).keyIdentifier;
        if (keyIdentifier) authorityKeyIdentifier = toHex(new Uint8Array(keyIdentifier.buffer));
      } else if (extension.oid === crlExtensionOids.crlNumber) {
        crlNumber = readIntegerHex(extension.value);
      } else if (extension.oid === crlExtensionOids.issuingDistributionPoint) {
        const point = AsnConvert.parse(value, IssuingDistributionPoint);
        scope.onlyUserCertificates = point.onlyContainsUserCerts;
        scope.onlyCaCertificates = point.onlyContainsCACerts;
        scope.onlyAttributeCertificates = point.onlyContainsAttributeCerts;
        scope.onlySomeReasons = point.onlySomeReasons !== undefined;
        scope.indirect = point.indirectCRL;
      }
    }
    const algorithm = list.signatureAlgorithm;
    return {
      der: Uint8Array.from(der),
      tbs: Uint8Array.from(elementBytes(der, tbsTlv)),
      issuer: readName(elementBytes(der, issuerTlv)),
      thisUpdate: tbs.thisUpdate.getTime(),
      ...(tbs.nextUpdate ? { nextUpdate: tbs.nextUpdate.getTime() } : {}),
      entries: Array.from(tbs.revokedCertificates ?? [], readEntry),
      ...(authorityKeyIdentifier ? { authorityKeyIdentifier } : {}),
      ...(crlNumber ? { crlNumber } : {}),
      delta: extensions.some((extension) => extension.oid === crlExtensionOids.deltaCrlIndicator),
      scope,
      signatureAlgorithm: signatureAlgorithmOf(algorithm.algorithm, algorithm.parameters ? new Uint8Array(algorithm.parameters) : undefined),
      signature: Uint8Array.from(signatureContent.subarray(1)),
      extensions,
      unprocessedCriticalExtensions: extensions.filter((extension) => extension.critical && !processedCrlExtensions.has(extension.oid)).map((extension) => extension.oid),
    };
  } catch (error) {
    if (error instanceof X509Error) throw error;
    throw invalid(error instanceof Error ? error.message : 'bad ASN.1');
  }
}

/** A CRL in DER or PEM ("X509 CRL") form. */
export function crlFromBytes(bytes: Uint8Array): ParsedCrl {
  if (bytes[0] === 0x30) return parseCrl(bytes);
  let first: Uint8Array | undefined;
  try {
    [first] = pemBlocks(new TextDecoder('utf-8', { fatal: false }).decode(bytes), 'X509 CRL');
  } catch {
    throw invalid('an X509 CRL PEM block is not base64');
  }
  if (!first) throw invalid('neither DER nor a "-----BEGIN X509 CRL-----" block');
  return parseCrl(first);
}

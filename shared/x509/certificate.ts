/**
 * An X.509 certificate as Conclave uses it: names, validity, the extensions
 * that decide what it may do, and the exact signed bytes. Parsing only reads;
 * whether to trust it is validateCertificateChain's job.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { toArrayBuffer } from '../keys/der';
import { toHex } from '../encoding/hex';
import { bytesEqual } from '../encoding/bytes';
import { children, contentBytes, elementBytes, integerHex, singleElement, type Tlv } from './der';
import { decodeExtensions, processedExtensions, type DecodedExtensions, type Extension } from './extensions';
import { attributeValues, commonNameOid, readName, type DistinguishedName } from './names';
import { signatureAlgorithmOf, type NamedSignatureAlgorithm } from './signature-algorithms';
import { X509Error } from './errors';
import { pemBlocks } from './pem-blocks';
import type { Digester } from '../keys/public-key-info';

export interface ParsedCertificate extends DecodedExtensions {
  der: Uint8Array;
  /** The signed part (TBSCertificate), exactly as in `der`. */
  tbs: Uint8Array;
  version: 1 | 2 | 3;
  /** Lowercase hex of the serial number, without a sign byte. */
  serialNumber: string;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo, as policies and DSSE keyids name keys. */
  spki: Uint8Array;
  signatureAlgorithm: NamedSignatureAlgorithm;
  signature: Uint8Array;
  extensions: Extension[];
  /** Critical extensions Conclave does not process: chain validation refuses a certificate that has any. */
  unprocessedCriticalExtensions: string[];
}

function malformed(detail: string): X509Error {
  return new X509Error(
    'certificate-malformed',
    `This is not a certificate Conclave can read (${detail}). Export the certificate again from the CA or the token, as DER or PEM ("-----BEGIN CERTIFICATE-----").`,
  );
}

function bitStringBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  const content = contentBytes(bytes, tlv);
  if (tlv.tag !== 0x03 || content[0] !== 0) throw malformed('the signature is not a whole-byte BIT STRING');
  return Uint8Array.from(content.subarray(1));
}

/** Parse a DER certificate. Throws X509Error('certificate-malformed'). */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  let outer: Tlv;
  let parts: Tlv[];
  let tbsParts: Tlv[];
  try {
    outer = singleElement(der);
    parts = children(der, outer);
    tbsParts = parts[0] ? children(der, parts[0]) : [];
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : 'bad DER');
  }
  const [tbsTlv, algorithmTlv, signatureTlv] = parts;
  if (outer.tag !== 0x30 || parts.length !== 3 || tbsTlv?.tag !== 0x30 || !algorithmTlv || !signatureTlv) throw malformed('not a Certificate SEQUENCE');
  // TBSCertificate: [0] version?, serial, signature, issuer, validity, subject, spki, …
  const fields = tbsParts[0]?.tag === 0xa0 ? tbsParts.slice(1) : tbsParts;
  const [, innerAlgorithmTlv, issuerTlv, , subjectTlv, spkiTlv] = fields;
  if (!innerAlgorithmTlv || !issuerTlv || !subjectTlv || !spkiTlv) throw malformed('the signed part is incomplete');
  // RFC 5280 §4.1.1.2: the algorithm outside must be the one that was signed.
  if (!bytesEqual(elementBytes(der, algorithmTlv), elementBytes(der, innerAlgorithmTlv))) throw malformed('the two signature algorithm fields differ');

  let certificate: Certificate;
  let subject: DistinguishedName;
  let issuer: DistinguishedName;
  try {
    certificate = AsnConvert.parse(toArrayBuffer(der), Certificate);
    subject = readName(elementBytes(der, subjectTlv));
    issuer = readName(elementBytes(der, issuerTlv));
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : 'bad ASN.1');
  }
  const tbs = certificate.tbsCertificate;
  const version = tbs.version + 1;
  if (version !== 1 && version !== 2 && version !== 3) throw malformed(`version ${version}`);
  const extensions: Extension[] = Array.from(tbs.extensions ?? [], (extension) => ({
    oid: extension.extnID,
    critical: extension.critical,
    value: new Uint8Array(extension.extnValue.buffer),
  }));
  if (extensions.length > 0 && version !== 3) throw malformed('extensions in a certificate older than version 3');
  const seen = new Set<string>();
  for (const { oid } of extensions) {
    if (seen.has(oid)) throw malformed(`extension ${oid} appears twice`);
    seen.add(oid);
  }
  let decoded: DecodedExtensions;
  try {
    decoded = decodeExtensions(extensions);
  } catch (error) {
    throw malformed(`an extension is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const algorithm = certificate.signatureAlgorithm;
  return {
    ...decoded,
    der: Uint8Array.from(der),
    tbs: Uint8Array.from(elementBytes(der, tbsTlv)),
    version,
    serialNumber: integerHex(new Uint8Array(tbs.serialNumber)),
    subject,
    issuer,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    spki: Uint8Array.from(elementBytes(der, spkiTlv)),
    signatureAlgorithm: signatureAlgorithmOf(algorithm.algorithm, algorithm.parameters ? new Uint8Array(algorithm.parameters) : undefined),
    signature: bitStringBytes(der, signatureTlv),
    extensions,
    unprocessedCriticalExtensions: extensions.filter((extension) => extension.critical && !processedExtensions.has(extension.oid)).map((extension) => extension.oid),
  };
}

function certificateBlocks(pem: string): Uint8Array[] {
  try {
    return pemBlocks(pem, 'CERTIFICATE');
  } catch {
    throw malformed('a CERTIFICATE PEM block is not base64');
  }
}

/** The first certificate in PEM text. Throws X509Error('certificate-malformed'). */
export function certificateFromPem(pem: string): ParsedCertificate {
  const [first] = certificateBlocks(pem);
  if (!first) throw malformed('no "-----BEGIN CERTIFICATE-----" block');
  return parseCertificate(first);
}

/** Every certificate in PEM text (a chain file or a CA bundle). */
export function certificatesFromPem(pem: string): ParsedCertificate[] {
  return certificateBlocks(pem).map(parseCertificate);
}

/** How a message names a certificate: its subject, or a SAN when the subject is empty. */
export function describeCertificate(certificate: ParsedCertificate): string {
  if (certificate.subject.rdns.length > 0) return `"${certificate.subject.rfc4514}"`;
  const san = certificate.subjectAltNames.email[0] ?? certificate.subjectAltNames.uri[0] ?? certificate.subjectAltNames.dns[0];
  return san ? `"${san}"` : `the certificate with serial number ${certificate.serialNumber}`;
}

/** The certificate's common names (usually one). */
export function commonNames(certificate: ParsedCertificate): string[] {
  return attributeValues(certificate.subject, commonNameOid);
}

/** Lowercase hex SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` prints it (without colons). */
export async function certificateFingerprint(certificate: ParsedCertificate, digester: Digester): Promise<string> {
  return toHex(await digester.digest('SHA-256', certificate.der));
}

/**
 * What RFC 3161 §2.3 asks of the certificate a TSA signs with: extended key
 * usage present, critical, and timeStamping only; key usage, when present,
 * only digitalSignature and/or nonRepudiation (as OpenSSL's timestamp-sign
 * purpose checks it). Also: which certificate of the token signed.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier, type Certificate } from '@peculiar/asn1-x509';
import type { SignerIdentifier } from '@peculiar/asn1-cms';
import { timestampOids } from './algorithms';
import { equalBytes } from './der';
import type { TokenCertificate } from './token';

/** Why the certificate may not sign time stamps, or undefined when it may. */
export function timestampUsageProblem(certificate: Certificate): string | undefined {
  const extensions = certificate.tbsCertificate.extensions ?? [];
  const ekus = extensions.filter((extension) => extension.extnID === timestampOids.extKeyUsage);
  if (ekus.length === 0) return 'it has no extended key usage, and a TSA certificate must name timeStamping';
  if (ekus.length > 1) return 'it has the extended key usage extension twice';
  const eku = ekus[0]!;
  let purposes: string[];
  try {
    purposes = [...AsnConvert.parse(eku.extnValue.buffer, ExtendedKeyUsage)];
  } catch {
    return 'its extended key usage cannot be read';
  }
  if (!purposes.includes(timestampOids.timeStamping)) return 'its extended key usage does not include timeStamping';
  if (purposes.length !== 1) return 'its extended key usage names other purposes than timeStamping';
  if (!eku.critical) return 'its extended key usage is not marked critical';
  const keyUsage = extensions.find((extension) => extension.extnID === timestampOids.keyUsage);
  if (keyUsage) {
    let usages: string[];
    try {
      usages = AsnConvert.parse(keyUsage.extnValue.buffer, KeyUsage).toJSON();
    } catch {
      return 'its key usage cannot be read';
    }
    const signing = ['digitalSignature', 'nonRepudiation'];
    if (!usages.some((usage) => signing.includes(usage))) return 'its key usage does not allow digital signatures';
    if (usages.some((usage) => !signing.includes(usage))) return 'its key usage allows more than signing';
  }
  return undefined;
}

export function publicKeyInfoOf(certificate: Certificate): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
}

const commonNameOid = '2.5.4.3';

/** The subject's common name, for messages; the whole certificate is in the error's context elsewhere. */
export function subjectName(certificate: Certificate): string {
  for (const relativeName of certificate.tbsCertificate.subject) {
    for (const attribute of relativeName) {
      if (attribute.type === commonNameOid) return `"${attribute.value.toString().slice(0, 100)}"`;
    }
  }
  return 'no common name';
}

export function validityOf(certificate: Certificate): { notBefore: Date; notAfter: Date } {
  const { validity } = certificate.tbsCertificate;
  return { notBefore: validity.notBefore.getTime(), notAfter: validity.notAfter.getTime() };
}

function subjectKeyIdentifierOf(certificate: Certificate): Uint8Array | undefined {
  const extension = certificate.tbsCertificate.extensions?.find((candidate) => candidate.extnID === timestampOids.subjectKeyIdentifier);
  if (!extension) return undefined;
  try {
    return new Uint8Array(AsnConvert.parse(extension.extnValue.buffer, SubjectKeyIdentifier).buffer);
  } catch {
    return undefined;
  }
}

/** The token's certificate that the SignerInfo's sid names (RFC 5652 §5.3), if any. */
export function certificateOfSigner(sid: SignerIdentifier, certificates: TokenCertificate[]): TokenCertificate | undefined {
  const { issuerAndSerialNumber, subjectKeyIdentifier } = sid;
  if (issuerAndSerialNumber) {
    const issuer = new Uint8Array(AsnConvert.serialize(issuerAndSerialNumber.issuer));
    const serial = new Uint8Array(issuerAndSerialNumber.serialNumber);
    return certificates.find(
      ({ parsed }) =>
        equalBytes(new Uint8Array(parsed.tbsCertificate.serialNumber), serial) &&
        equalBytes(new Uint8Array(AsnConvert.serialize(parsed.tbsCertificate.issuer)), issuer),
    );
  }
  if (subjectKeyIdentifier) {
    const wanted = new Uint8Array(subjectKeyIdentifier.buffer);
    return certificates.find(({ parsed }) => {
      const own = subjectKeyIdentifierOf(parsed);
      return own !== undefined && equalBytes(own, wanted);
    });
  }
  return undefined;
}

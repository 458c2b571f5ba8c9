import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { toArrayBuffer } from './der';

/** The DER SubjectPublicKeyInfo inside a DER X.509 certificate. */
export function publicKeyInfoOfCertificate(der: Uint8Array): Uint8Array {
  const certificate = AsnConvert.parse(toArrayBuffer(der), Certificate);
  return new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
}

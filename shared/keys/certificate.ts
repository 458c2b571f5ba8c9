import { subjectPublicKeyInfoOfCertificate } from './spki-der';

/** The DER SubjectPublicKeyInfo inside a DER X.509 certificate (read without the ASN.1 library: spki-der.ts says why). */
export function publicKeyInfoOfCertificate(der: Uint8Array): Uint8Array {
  return subjectPublicKeyInfoOfCertificate(der);
}

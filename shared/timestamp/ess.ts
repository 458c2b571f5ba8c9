/**
 * The signingCertificate (RFC 2634 §5.4, SHA-1) and signingCertificateV2
 * (RFC 5035, SHA-2) signed attributes: the TSA names, under its signature,
 * the certificate it signs with (RFC 3161 §2.4.2, RFC 5816). The first
 * ESSCertID is the signer's; later ones describe its chain and are not needed.
 */
import { hashOfOid, type TimestampHash } from './algorithms';
import { childrenOf, contentOf, expectTag, readOid, readSingle } from './der';

export interface EssCertificateId {
  /** 'SHA-1' only for the version 1 attribute. */
  hash: TimestampHash | 'SHA-1';
  certificateHash: Uint8Array;
}

export class EssError extends Error {
  override readonly name = 'EssError';
}

/** The first ESSCertID(v2) of a signingCertificate(V2) attribute value (DER). */
export function signerCertificateId(value: Uint8Array, version: 1 | 2): EssCertificateId {
  const [certs] = childrenOf(value, expectTag(readSingle(value), 0x30, 'SigningCertificate'));
  const [first] = childrenOf(value, expectTag(certs, 0x30, 'certs'));
  const fields = childrenOf(value, expectTag(first, 0x30, 'ESSCertID'));
  if (version === 1) return { hash: 'SHA-1', certificateHash: Uint8Array.from(contentOf(value, expectTag(fields[0], 0x04, 'certHash'))) };
  // ESSCertIDv2: hashAlgorithm DEFAULT id-sha256, so it is absent when SHA-256.
  const [maybeAlgorithm] = fields;
  let hash: TimestampHash | undefined = 'SHA-256';
  let hashField = fields[0];
  if (maybeAlgorithm?.tag === 0x30) {
    const oid = readOid(value, childrenOf(value, maybeAlgorithm)[0], 'hashAlgorithm');
    hash = hashOfOid(oid);
    if (!hash) throw new EssError(`the signing-certificate attribute uses a hash Conclave does not accept (${oid})`);
    hashField = fields[1];
  }
  return { hash, certificateHash: Uint8Array.from(contentOf(value, expectTag(hashField, 0x04, 'certHash'))) };
}

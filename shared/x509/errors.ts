/**
 * Why a certificate, its chain or a CRL was refused. Callers and tests branch
 * on the code; the message names the certificate (by subject) and says what
 * to do.
 */
import { CodedError } from '../errors';

export const x509ErrorCodes = [
  /** Not a DER (or PEM) X.509 certificate, or broken inside. */
  'certificate-malformed',
  /** A critical extension or a signature algorithm (SHA-1, MD5, …) Conclave does not process. */
  'certificate-unsupported',
  /** No path from the certificate to a trusted root (or trusted intermediate). */
  'certificate-untrusted',
  /** A certificate's signature does not verify with its issuer's key. */
  'certificate-signature-invalid',
  /** A certificate's notAfter is before the signing time. */
  'certificate-expired',
  /** A certificate's notBefore is after the signing time. */
  'certificate-not-yet-valid',
  /** Listed on its issuer's CRL (revoked before the signing time, or for a key compromise). */
  'certificate-revoked',
  /** Not allowed to do what it is used for: key usage, extended key usage, CA flag, path length. */
  'certificate-usage',
  /** A CRL that is malformed, not signed by the certificate's issuer, from the future, or of a kind Conclave does not process. */
  'certificate-crl-invalid',
  /** The newest CRL for an issuer is past its nextUpdate. */
  'certificate-crl-stale',
  /** Revocation checking was required and no CRL for an issuer was supplied. */
  'certificate-crl-missing',
  /** The certificate is valid but does not name the identity the policy requires. */
  'certificate-identity-mismatch',
] as const;
export type X509ErrorCode = (typeof x509ErrorCodes)[number];

export class X509Error extends CodedError<X509ErrorCode> {
  override readonly name = 'X509Error';
}

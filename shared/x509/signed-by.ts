/**
 * Whether a certificate or CRL was signed by an issuer's key, with the
 * algorithm it names. Kept apart so certificates, CRLs (and the TSA chain of
 * a timestamp) are checked one way.
 */
import type { ParsedCertificate } from './certificate';
import type { AlgorithmSignatureVerifier, NamedSignatureAlgorithm } from './signature-algorithms';

export interface SignedObject {
  tbs: Uint8Array;
  signatureAlgorithm: NamedSignatureAlgorithm;
  signature: Uint8Array;
}

export type SignatureCheck = 'valid' | 'invalid' | 'unsupported-algorithm';

export async function checkSignedBy(signed: SignedObject, issuer: ParsedCertificate, verifier: AlgorithmSignatureVerifier): Promise<SignatureCheck> {
  const algorithm = signed.signatureAlgorithm.algorithm;
  if (!algorithm) return 'unsupported-algorithm';
  return (await verifier.verifyWithAlgorithm(issuer.spki, signed.tbs, signed.signature, algorithm)) ? 'valid' : 'invalid';
}

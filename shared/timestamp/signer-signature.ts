/**
 * The TSA's signature over its signed attributes (RFC 5652 §5.4), checked
 * with the signer certificate's key through the runtime's verifier.
 */
import type { SignerInfo } from '@peculiar/asn1-cms';
import { keyTypeOfPublicKeyInfo } from '../keys/public-key-info';
import { signatureAlgorithmOfOid, type TimestampHash } from './algorithms';

/**
 * The repo's SignatureVerifier (shared/keys/signature-verifier.ts). CMS names
 * its hash in the SignerInfo where DSSE fixes it by key type, so the hash is
 * passed as a fourth argument; a verifier that ignores it still checks ECDSA
 * with the curve's own hash and RSA with SHA-256, and refuses the rest (fails
 * closed). nodeSignatureVerifier honours it.
 */
export interface TimestampSignatureVerifier {
  verify(publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array, hash?: TimestampHash): Promise<boolean>;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'unsupported' | 'inconsistent' | 'invalid'; detail: string };

export async function checkSignerSignature(
  signerInfo: SignerInfo,
  digestHash: TimestampHash,
  signedAttributesDer: Uint8Array,
  publicKeyInfo: Uint8Array,
  verifier: TimestampSignatureVerifier,
): Promise<SignatureCheck> {
  const oid = signerInfo.signatureAlgorithm.algorithm;
  const algorithm = signatureAlgorithmOfOid(oid);
  if (!algorithm) return { ok: false, reason: 'unsupported', detail: `signature algorithm ${oid}` };
  // RFC 5652 §5.4 hashes the signed attributes with the digest algorithm; a signature algorithm naming another hash contradicts it.
  if (algorithm.hash && algorithm.hash !== digestHash) {
    return { ok: false, reason: 'inconsistent', detail: `the signature algorithm uses ${algorithm.hash} but the digest algorithm is ${digestHash}` };
  }
  let keyKind: string;
  try {
    keyKind = keyTypeOfPublicKeyInfo(publicKeyInfo).kind;
  } catch {
    return { ok: false, reason: 'unsupported', detail: 'the TSA certificate’s key type' };
  }
  if (keyKind !== algorithm.key) return { ok: false, reason: 'inconsistent', detail: `a ${algorithm.key} signature from a ${keyKind} key` };
  const valid = await verifier.verify(publicKeyInfo, signedAttributesDer, new Uint8Array(signerInfo.signature.buffer), digestHash);
  return valid ? { ok: true } : { ok: false, reason: 'invalid', detail: 'the signature does not verify with the TSA certificate’s key' };
}

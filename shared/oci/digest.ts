/**
 * Digests and the tags derived from them. Conclave only writes and trusts
 * sha256, the one algorithm every registry and cosign support.
 */
import { toHex } from '../encoding/hex';

const sha256DigestPattern = /^sha256:[0-9a-f]{64}$/;

export function isSha256Digest(value: string): boolean {
  return sha256DigestPattern.test(value);
}

export function sha256Digest(hash: Uint8Array): string {
  return `sha256:${toHex(hash)}`;
}

function hexOf(digest: string): string {
  if (!isSha256Digest(digest)) throw new TypeError('not a sha256 digest');
  return digest.slice('sha256:'.length);
}

/** The referrers tag schema's tag for a subject (distribution-spec 1.1): `sha256-<hex>`. */
export function referrersTag(subjectDigest: string): string {
  return `sha256-${hexOf(subjectDigest)}`;
}

/** cosign's attestation tag for a subject: `sha256-<hex>.att`. */
export function cosignAttestationTag(subjectDigest: string): string {
  return `sha256-${hexOf(subjectDigest)}.att`;
}
